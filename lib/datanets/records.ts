/**
 * Records: the unit of data a contributor adds to a datanet. A record is stored and hashed
 * exactly as given (no trimming or normalisation), so a contributor can recompute every hash
 * and proof from their own copy of the text.
 */
import { type Hex, keccak256, stringToBytes } from "viem";
import { z } from "zod";
import { InvalidRecordsError } from "./errors";

/** Limits on one contribution. */
export const RECORD_LIMITS = {
  /** Largest record, in UTF-8 bytes: paragraph-sized records, not documents. */
  maxRecordBytes: 16 * 1024,
  /** Most records in one contribution (the on-chain count is a uint32; this keeps a request small). */
  maxRecords: 5_000,
  /** Largest contribution, in UTF-8 bytes over all its records. */
  maxContributionBytes: 4 * 1024 * 1024,
} as const;

/** A record with the hash its Merkle leaf is built from. */
export type HashedRecord = {
  /** The record's text, exactly as contributed. */
  text: string;
  /** keccak256 of the UTF-8 bytes of `text`. */
  hash: Hex;
};

// An unpaired surrogate has no UTF-8 encoding: TextEncoder would silently write U+FFFD instead.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored as text (not valid UTF-8, or NUL), or undefined when it can. */
export function encodingProblem(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return "is not valid UTF-8 (it holds an unpaired surrogate)";
  // PostgreSQL text cannot hold NUL, and no prose needs it.
  if (text.includes("\u0000")) return "contains a NUL character";
  return undefined;
}

/** Why `text` cannot be a record, or undefined when it can. */
export function recordProblem(text: string): string | undefined {
  if (text.trim().length === 0) return "is empty";
  const encoding = encodingProblem(text);
  if (encoding) return encoding;
  const bytes = stringToBytes(text).byteLength;
  if (bytes > RECORD_LIMITS.maxRecordBytes) return `is ${bytes} bytes long; the limit is ${RECORD_LIMITS.maxRecordBytes}`;
  return undefined;
}

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
  list.data.forEach((text, index) => {
    const problem = recordProblem(text);
    if (problem) throw new InvalidRecordsError(`Record ${index} ${problem}`);
    total += stringToBytes(text).byteLength;
  });
  if (total > RECORD_LIMITS.maxContributionBytes) {
    throw new InvalidRecordsError(`The records total ${total} bytes; a contribution holds at most ${RECORD_LIMITS.maxContributionBytes}`);
  }
  return list.data;
}

/** keccak256 of a record's UTF-8 bytes: the value its Merkle leaf commits to. */
export function hashRecord(text: string): Hex {
  return keccak256(stringToBytes(text));
}

/** Validates records and hashes each, keeping their order (the Merkle leaf order). */
export function hashRecords(input: unknown): HashedRecord[] {
  return validateRecords(input).map((text) => ({ text, hash: hashRecord(text) }));
}
