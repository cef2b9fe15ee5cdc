import { z } from "zod";

const MAX_UINT256 = (1n << 256n) - 1n;

const idSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,77})$/)
  .transform((s) => BigInt(s))
  .refine((n) => n <= MAX_UINT256);

/**
 * An on-chain id (datanet, model, inference) from a URL segment: a canonical decimal uint256,
 * or null for anything else so the page can answer 404 instead of querying with garbage.
 */
export function parseMarketplaceId(segment: string): bigint | null {
  const parsed = idSchema.safeParse(segment);
  return parsed.success ? parsed.data : null;
}
