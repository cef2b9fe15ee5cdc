/** zod schemas of every payment input that crosses a boundary (HTTP body, query, gateway call). */
import { type Hex, isHex, maxUint256, zeroAddress } from "viem";
import { z } from "zod";
import { addressSchema, bytes32Schema, decimalUint256Schema } from "@/lib/wire/primitives";

/** A non-negative integer below 2^256, from a decimal string, a safe integer or a bigint. */
export const uint256Schema = z
  .union([
    z.bigint().nonnegative().max(maxUint256),
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    z.string().trim().pipe(decimalUint256Schema),
  ])
  .transform((v) => BigInt(v));

/** Hex bytes (a signature): 0x-prefixed, even length. */
export const hexSchema = z
  .string()
  .trim()
  .refine((v) => isHex(v, { strict: true }) && v.length % 2 === 0 && v.length > 2, { message: "not 0x-prefixed hex bytes" })
  .transform((v) => v.toLowerCase() as Hex);

/** A server id. */
export const idSchema = z.uuid({ message: "not a valid id" });

/** A signed spend permit as registered through the API. */
export const registerPermitSchema = z.object({
  payer: addressSchema,
  spender: addressSchema,
  cap: uint256Schema.refine((v) => v > 0n, { message: "must be positive" }),
  expiry: uint256Schema,
  nonce: uint256Schema,
  signature: hexSchema,
  chainId: z.number().int().positive().optional(),
  market: addressSchema.optional(),
});

/** A key label: one line, what the payer will recognise. */
const labelSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(64, "at most 64 characters")
  .refine((v) => !/[\r\n]/.test(v), { message: "must be one line" });

/** Body of an API key creation. */
export const createApiKeySchema = z.object({
  payer: addressSchema,
  signature: hexSchema,
  message: z.string().min(1).max(2_000),
  permitId: idSchema,
  spendCap: uint256Schema.refine((v) => v > 0n, { message: "must be positive" }),
  label: labelSchema,
});

/** Body of an API key revocation. */
export const revokeApiKeySchema = z.object({
  payer: addressSchema,
  signature: hexSchema,
});

/** `?payer=` of the listing routes. */
export const payerQuerySchema = z.object({ payer: addressSchema });

/** A price fixed before an inference. */
export const priceSchema = z
  .bigint()
  .nonnegative()
  .max((1n << 96n) - 1n);

/** One payee's amount. The zero address cannot be credited: the market would revert the whole batch. */
export const payoutSchema = z.object({
  payee: addressSchema.refine((a) => a !== zeroAddress, { message: "the zero address cannot be paid" }),
  amount: z
    .bigint()
    .nonnegative()
    .max((1n << 96n) - 1n),
});

/** What `commit` stores. */
export const commitInferenceSchema = z.object({
  modelId: z
    .bigint()
    .nonnegative()
    .max((1n << 64n) - 1n),
  prompt: z.string(),
  output: z.string(),
  retrievedRecordIds: z.array(z.string()).readonly(),
  attribution: z.object({ hash: bytes32Schema, proof: z.unknown() }),
  payouts: z.array(payoutSchema).max(65_535).readonly(),
});
