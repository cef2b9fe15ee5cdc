import { z } from "zod";
import { parseMarketplaceId } from "@/lib/marketplace/ids";
import { InvalidInferenceIdError } from "./errors";

/** How a URL names an inference: its server id, or the id it settles under on chain. */
export type InferenceRef = { uuid: string } | { onChainId: bigint };

const uuidSchema = z.uuid();

/**
 * Parses an inference id from a URL segment: a uuid (what the API answers with) or the decimal
 * on-chain id (what settlement events and the earnings list carry). Throws InvalidInferenceIdError.
 */
export function parseInferenceRef(segment: string): InferenceRef {
  const uuid = uuidSchema.safeParse(segment);
  if (uuid.success) return { uuid: uuid.data.toLowerCase() };
  const onChainId = parseMarketplaceId(segment);
  if (onChainId !== null) return { onChainId };
  throw new InvalidInferenceIdError(segment);
}
