/** `GET /api/accounts/<address>/inferences`'s answer: a payer's own inferences and totals; the dashboard parses it. */
import { z } from "zod";
import { decimalUint256Schema, isoDateSchema } from "./primitives";

export const payerInferenceSchema = z.object({
  /** The public (on-chain) inference id, as the explorer shows it. */
  id: z.string(),
  modelId: z.string(),
  modelName: z.string().nullable(),
  price: decimalUint256Schema,
  status: z.enum(["settled", "pending", "failed"]),
  /** Why the market refused it, when failed. */
  reason: z.string().nullable(),
  createdAt: isoDateSchema,
});

export const payerHistorySchema = z.object({
  inferences: z.array(payerInferenceSchema),
  totals: z.object({
    inferences: z.number().int().nonnegative(),
    settled: decimalUint256Schema,
    pending: decimalUint256Schema,
    failed: decimalUint256Schema,
  }),
  /** Pass as `before` for the next page; null on the last. */
  nextCursor: z.string().nullable(),
});

/** What the route writes (amounts as decimal strings, dates as ISO). */
export type PayerHistoryWire = z.input<typeof payerHistorySchema>;
/** What the dashboard reads. */
export type PayerHistory = z.output<typeof payerHistorySchema>;
