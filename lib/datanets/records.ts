/**
 * Records: the unit of data a contributor adds to a datanet. A record is stored and hashed
 * exactly as given (no trimming or normalisation), so a contributor can recompute every hash
 * and proof from their own copy of the text.
 */
import type { Hex } from "viem";
import { z } from "zod";
import { hashRecord, RECORD_LIMITS, recordProblem, utf8Length } from "@/lib/wire/records";
import { InvalidRecordsError } from "./errors";

// The checks the contribute form runs in the browser are the same functions (lib/wire/records.ts).
export { encodingProblem, hashRecord, RECORD_LIMITS, recordProblem } from "@/lib/wire/records";

/** A record with the hash its Merkle leaf is built from. */
export type HashedRecord = {
  /** The record's text, exactly as contributed. */
  text: string;
  /** keccak256 of the UTF-8 bytes of `text`. */
  hash: Hex;
};

/** zod schema of one record's text. */
export const recordTextSchema = z.string().superRefine((text, ctx) => {
  const problem = recordProblem(text);
  if (problem) ctx.addIssue({ code: "custom", message: `record ${problem}` });
});

/** zod schema of a contribution's record list (1..maxRecords records within the byte budget). */
export const recordListSchema = z
  .array(z.string())
  .min(1, "a contribution needs at least one record")
  .max(RECORD_LIMITS.maxRecords, `a contribution holds at most ${RECORD_LIMITS.maxRecords} records`);

/**
 * Validates a contribution's records; throws InvalidRecordsError naming the first bad record by
 * its index. Returns the same texts, unchanged.
 */
export function validateRecords(input: unknown): string[] {
  const list = recordListSchema.safeParse(input);
  if (!list.success) throw new InvalidRecordsError(list.error.issues.map((i) => i.message).join("; "));
  let total = 0;
  const seen = new Map<string, number>();
  list.data.forEach((text, index) => {
    const problem = recordProblem(text);
    if (problem) throw new InvalidRecordsError(`Record ${index} ${problem}`);
    // The same text twice in one contribution earns twice for one piece of data: the form refuses it, and so does the server.
    const first = seen.get(text);
    if (first !== undefined) throw new InvalidRecordsError(`Record ${index} repeats record ${first}`);
    seen.set(text, index);
    total += utf8Length(text);
  });
  if (total > RECORD_LIMITS.maxContributionBytes) {
    throw new InvalidRecordsError(`The records total ${total} bytes; a contribution holds at most ${RECORD_LIMITS.maxContributionBytes}`);
  }
  return list.data;
}

/** Validates records and hashes each, keeping their order (the Merkle leaf order). */
export function hashRecords(input: unknown): HashedRecord[] {
  return validateRecords(input).map((text) => ({ text, hash: hashRecord(text) }));
}
