/**
 * The payment routes' answers (`/api/permits`, `/api/keys`, `/api/playground/permit-terms`) as
 * zod schemas: lib/payments/api.ts and the playground handlers answer `z.output` of these
 * (bigints and Dates, which the edge writes as decimal and ISO strings), and browser code parses
 * the JSON back with them.
 */
import { z } from "zod";
import { addressSchema, decimalUint256Schema, isoDateSchema } from "./primitives";

/** A registered spend permit (its signature stays on the server). */
export const permitSchema = z.object({
  id: z.string(),
  payer: addressSchema,
  spender: addressSchema,
  chainId: z.number().int(),
  market: addressSchema,
  cap: decimalUint256Schema,
  /** Unix seconds. */
  expiry: decimalUint256Schema,
  nonce: decimalUint256Schema,
  createdAt: isoDateSchema,
});

/** A permit with what has been used of it. */
export const permitUsageSchema = permitSchema.extend({
  spent: decimalUint256Schema,
  held: decimalUint256Schema,
  remaining: decimalUint256Schema,
  expired: z.boolean(),
});

/** `POST /api/permits` → 201. */
export const registeredPermitAnswerSchema = z.object({ permit: permitSchema });

/**
 * `GET /api/permits?payer=`: the permits, newest first, and the payer's debt — prices of
 * inferences the market skipped for the payer's doing (refused with PAYER_IN_DEBT until the free
 * deposit covers it and the price).
 */
export const permitListAnswerSchema = z.object({ permits: z.array(permitUsageSchema), debt: decimalUint256Schema });

/** `GET /api/playground/permit-terms`: what a permit signed in the browser must name. */
export const permitTermsSchema = z.object({ chainId: z.number().int(), market: addressSchema, spender: addressSchema });

/** An API key as listed (never the key itself). */
export const apiKeySchema = z.object({
  id: z.string(),
  payer: addressSchema,
  permitId: z.string(),
  prefix: z.string(),
  label: z.string(),
  spendCap: decimalUint256Schema,
  spent: decimalUint256Schema,
  createdAt: isoDateSchema,
  revokedAt: isoDateSchema.nullable(),
  lastUsedAt: isoDateSchema.nullable(),
});

/** `POST /api/keys` → 201: the key itself, shown this once, and its listing. */
export const createdApiKeyAnswerSchema = z.object({ key: z.string(), apiKey: apiKeySchema });

/** `GET /api/keys?payer=`: newest first. */
export const apiKeyListAnswerSchema = z.object({ keys: z.array(apiKeySchema) });

/** `DELETE /api/keys/<id>`: the revoked key. */
export const revokedApiKeyAnswerSchema = z.object({ key: apiKeySchema });

export type PermitTerms = z.output<typeof permitTermsSchema>;
export type RegisteredPermitAnswer = z.output<typeof registeredPermitAnswerSchema>;
export type PermitListAnswer = z.output<typeof permitListAnswerSchema>;
export type CreatedApiKeyAnswer = z.output<typeof createdApiKeyAnswerSchema>;
export type ApiKeyListAnswer = z.output<typeof apiKeyListAnswerSchema>;
export type RevokedApiKeyAnswer = z.output<typeof revokedApiKeyAnswerSchema>;
