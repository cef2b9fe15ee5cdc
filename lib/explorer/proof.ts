/**
 * The stored attribution proof read back from its JSON column. The column holds what the
 * gateway wrote, but the explorer treats it as untrusted input: it is parsed, never assumed.
 */
import { z } from "zod";

const decimal = z.string().regex(/^\d+$/).transform(BigInt);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

/** The parts of a stored proof the explorer shows and the verifier needs. */
export const storedProofSchema = z.object({
  engine: z.string(),
  policy: z.record(z.string(), z.unknown()),
  index: z.object({ snapshot: z.string(), records: z.number().int().nonnegative(), tokens: z.number().int().nonnegative() }),
  input: z.object({
    context: z.array(z.string()),
    contextInfluence: z.array(z.object({ id: z.string(), influence: z.number() })).nullable(),
    price: decimal,
    ownerShareBps: z.number().int(),
    protocolFeeBps: z.number().int(),
    owner: address,
    /** Version 2: the payer, whose own contributions earn nothing from its payment. */
    payer: address.nullable().optional(),
  }),
  spans: z.array(
    z.object({
      charStart: z.number().int().nonnegative(),
      charEnd: z.number().int().nonnegative(),
      tokens: z.number(),
      common: z.boolean(),
      value: z.number(),
      gapped: z.boolean().optional(),
      records: z.array(z.string()),
    }),
  ),
  duplicates: z.array(z.object({ id: z.string(), original: z.string() })),
  records: z.array(
    z.object({ id: z.string(), contributor: address, spanCredit: z.number(), contextInfluence: z.number(), score: z.number() }),
  ),
  split: z.array(
    z.object({ role: z.enum(["contributor", "owner", "protocol", "unexplained"]), address: address.optional(), amount: decimal }),
  ),
});

/** A stored proof as parsed. */
export type StoredProof = z.output<typeof storedProofSchema>;

/** The stored proof, or null when the column does not hold one the explorer can read. */
export function parseStoredProof(value: unknown): StoredProof | null {
  const parsed = storedProofSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
