import { MarketplaceError } from "@/lib/datanets/errors";

/** An inference id in a URL that is neither a uuid nor an on-chain inference id. */
export class InvalidInferenceIdError extends MarketplaceError {
  constructor(readonly value: string) {
    super("INVALID_INFERENCE_ID", `'${value.slice(0, 80)}' is not an inference id (a uuid, or the decimal on-chain id)`, 400);
  }
}

/** No inference with this id is stored. */
export class InferenceNotFoundError extends MarketplaceError {
  constructor(readonly value: string) {
    super("INFERENCE_NOT_FOUND", `No inference ${value.slice(0, 80)} is stored`, 404);
  }
}
