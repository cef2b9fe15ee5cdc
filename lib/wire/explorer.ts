/** `POST /api/inferences/<id>/verify`'s answer: lib/explorer/verify.ts produces it, the verify panel parses it. */
import { z } from "zod";
import { bytes32Schema } from "./primitives";

export const inferenceVerificationSchema = z.object({
  valid: z.boolean(),
  storedHash: bytes32Schema,
  recomputedHash: bytes32Schema.nullable(),
  differences: z.array(z.string()),
  checks: z.object({
    proofMatchesHash: z.boolean(),
    recomputed: z.boolean(),
    payoutsMatchSplit: z.boolean(),
    splitSumsToPrice: z.boolean(),
  }),
  problem: z.string().nullable(),
});

/** The verdict, as the panel shows it. */
export type InferenceVerificationAnswer = z.output<typeof inferenceVerificationSchema>;
