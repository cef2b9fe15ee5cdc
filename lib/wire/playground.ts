/**
 * `POST /api/playground/chat` streams server-sent events, each one of these: pieces of the answer,
 * then `done` with the receipt, `uncharged` when nothing in the datanets matched the question (the
 * answer says so and nothing was held or charged), or `error` if it failed after the stream began (free if no delta
 * had been sent; otherwise charged, and the error names the stored `inferenceId` and `price`). The
 * handler writes `z.input` (decimal strings), the playground parses each event.
 */
import { z } from "zod";
import { addressSchema, bytes32Schema, decimalUint256Schema } from "./primitives";

export const playgroundStreamEventSchema = z.discriminatedUnion("type", [
  /** A piece of the answer. */
  z.object({ type: z.literal("delta"), text: z.string() }),
  /** The answer is complete, paid and stored. */
  z.object({
    type: z.literal("done"),
    inferenceId: z.string(),
    settlementId: decimalUint256Schema,
    price: decimalUint256Schema,
    payer: addressSchema,
    /** The explorer page of this inference's attribution (a path). */
    attributionUrl: z.string(),
    attributionHash: bytes32Schema,
    payouts: z.array(z.object({ payee: addressSchema, amount: decimalUint256Schema })),
  }),
  /** Nothing in the model's datanets is relevant to the question: the answer says so, and nothing was charged. */
  z.object({ type: z.literal("uncharged"), reason: z.literal("NO_RELEVANT_RECORDS"), relevance: z.number().min(0).max(1) }),
  /** The inference failed after the stream began; the code and message of an error answer (with `inferenceId` and `price` if charged). */
  z
    .object({ type: z.literal("error"), code: z.string(), message: z.string() })
    .catchall(z.union([z.string(), z.number(), z.boolean(), z.null()])),
]);

/** One event as the handler writes it. */
export type PlaygroundStreamEventWire = z.input<typeof playgroundStreamEventSchema>;
/** One event as the playground reads it. */
export type PlaygroundStreamEvent = z.output<typeof playgroundStreamEventSchema>;
