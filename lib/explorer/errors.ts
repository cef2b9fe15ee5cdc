import { UpstreamError } from "@/lib/errors";

/** An inference id in a URL that is neither a uuid nor an on-chain inference id. */
export class InvalidInferenceIdError extends UpstreamError {
  readonly code = "INVALID_INFERENCE_ID";
  readonly status = 400;
  constructor(readonly value: string) {
    super(`'${value.slice(0, 80)}' is not an inference id (a uuid, or the decimal on-chain id)`);
  }
}

/** No inference with this id is stored. */
export class InferenceNotFoundError extends UpstreamError {
  readonly code = "INFERENCE_NOT_FOUND";
  readonly status = 404;
  constructor(readonly value: string) {
    super(`No inference ${value.slice(0, 80)} is stored`);
  }
}
