import { onChainIdSchema } from "@/lib/wire/primitives";

/**
 * An on-chain id (datanet, model, inference) from a URL segment: a canonical decimal uint256,
 * or null for anything else so the page can answer 404 instead of querying with garbage.
 */
export function parseMarketplaceId(segment: string): bigint | null {
  const parsed = onChainIdSchema.safeParse(segment);
  return parsed.success ? parsed.data : null;
}
