/** `GET /api/accounts/<address>/earnings`'s answer: lib/marketplace/earnings.ts produces it, the dashboard parses it. */
import { z } from "zod";
import { bytes32Schema, decimalUint256Schema, isoDateSchema } from "./primitives";

export const earningsCreditSchema = z.object({
  inferenceId: z.string(),
  modelId: z.string(),
  modelName: z.string().nullable(),
  amount: decimalUint256Schema,
  settledAt: isoDateSchema,
  transactionHash: bytes32Schema,
});

export const accountEarningsSchema = z.object({
  earned: decimalUint256Schema,
  claimed: decimalUint256Schema,
  claimable: decimalUint256Schema,
  inferenceCount: z.number().int().nonnegative(),
  credits: z.array(earningsCreditSchema),
  nextCursor: z.string().nullable(),
});

/** A payee's earnings as the dashboard reads them. */
export type AccountEarningsAnswer = z.output<typeof accountEarningsSchema>;
