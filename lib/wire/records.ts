/**
 * Records and short texts as both the browser and the server check them: the limits of one
 * contribution, what makes a text unstorable, and the hash a record's Merkle leaf commits to.
 * The contribute form checks a file with exactly these before anything is sent; the server
 * checks them again (lib/datanets/records.ts).
 */
import { type Hex, keccak256, stringToBytes } from "viem";
import { z } from "zod";

/** Limits on one contribution. */
export const RECORD_LIMITS = {
  /** Largest record, in UTF-8 bytes: paragraph-sized records, not documents. */
  maxRecordBytes: 16 * 1024,
  /** Most records in one contribution (the on-chain count is a uint32; this keeps a request small). */
  maxRecords: 5_000,
  /** Largest contribution, in UTF-8 bytes over all its records. */
  maxContributionBytes: 4 * 1024 * 1024,
} as const;

// An unpaired surrogate has no UTF-8 encoding: TextEncoder would silently write U+FFFD instead.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored as text (not valid UTF-8, or NUL), or undefined when it can. */
export function encodingProblem(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return "is not valid UTF-8 (it holds an unpaired surrogate)";
  // PostgreSQL text cannot hold NUL, and no prose needs it.
  if (text.includes("\u0000")) return "contains a NUL character";
  return undefined;
}

/** UTF-8 length of `text` in bytes. */
export function utf8Length(text: string): number {
  return stringToBytes(text).byteLength;
}

/** Why `text` cannot be a record, or undefined when it can. */
export function recordProblem(text: string): string | undefined {
  if (text.trim().length === 0) return "is empty";
  const encoding = encodingProblem(text);
  if (encoding) return encoding;
  const bytes = utf8Length(text);
  if (bytes > RECORD_LIMITS.maxRecordBytes) return `is ${bytes} bytes long; the limit is ${RECORD_LIMITS.maxRecordBytes}`;
  return undefined;
}

/** keccak256 of a record's UTF-8 bytes: the value its Merkle leaf commits to. */
export function hashRecord(text: string): Hex {
  return keccak256(stringToBytes(text));
}

/** A short text field: trimmed, valid UTF-8, no NUL. */
export function textField(max: number, min = 0) {
  return z
    .string()
    .trim()
    .min(min, min > 0 ? "must not be empty" : undefined)
    .max(max, `must be at most ${max} characters`)
    .refine((v) => encodingProblem(v) === undefined, { message: "must be valid UTF-8 without NUL characters" });
}
