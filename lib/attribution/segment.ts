/**
 * A segment: the token stream of a run of consecutive records, its suffix array and the map
 * from stream positions to records. An index is a list of segments, so adding a contribution
 * builds one small segment instead of rebuilding everything.
 */
import { buildSuffixArray } from "./suffix-array";

/** Token id that ends every record; no term has it, so no match can cross two records. */
export const SEPARATOR = 0;

/** One immutable segment of an index. */
export type Segment = {
  /** Global number (on-chain order) of the segment's first record. */
  firstRecord: number;
  /** Token ids of the segment's records, each record followed by `SEPARATOR`. */
  tokens: Int32Array;
  /** Stream offset of each record's first token; one extra entry holds `tokens.length`. */
  recordStarts: Int32Array;
  /** Suffix array over `tokens`, without the suffixes that start at a separator. */
  sa: Int32Array;
  /**
   * For large segments, termStarts[t] is the first suffix-array slot of the suffixes starting
   * with term t (derived data, rebuilt on load): it replaces the costliest binary search of
   * every lookup, the one over the whole array.
   */
  termStarts?: Int32Array;
};

/** Segments with at least this many tokens get a `termStarts` table. */
export const TERM_TABLE_MIN_TOKENS = 1 << 16;

/** Builds a segment; `tokens` must already end every record with `SEPARATOR`. */
export function buildSegment(firstRecord: number, tokens: Int32Array, recordStarts: Int32Array, alphabetSize: number): Segment {
  const full = buildSuffixArray(tokens, alphabetSize);
  const recordCount = recordStarts.length - 1;
  // Suffixes starting with the separator (id 0, the smallest) come first: one per record.
  return withTermTable({ firstRecord, tokens, recordStarts, sa: full.subarray(recordCount) }, alphabetSize);
}

/** Adds the `termStarts` table to a large segment (`alphabetSize` = its vocabulary size). */
export function withTermTable(segment: Segment, alphabetSize: number): Segment {
  if (segment.tokens.length < TERM_TABLE_MIN_TOKENS) return segment;
  const starts = new Int32Array(alphabetSize + 1);
  for (let i = 0; i < segment.tokens.length; i++) starts[segment.tokens[i] + 1]++;
  starts[1] = 0; // separators are not in the suffix array
  for (let t = 1; t <= alphabetSize; t++) starts[t] += starts[t - 1];
  return { ...segment, termStarts: starts };
}

/** The suffix-array range of the suffixes that start with term `token`. */
export function termRange(segment: Segment, token: number): SaRange {
  const table = segment.termStarts;
  if (table) {
    if (token <= SEPARATOR || token >= table.length - 1) return { lo: 0, hi: 0 };
    return { lo: table[token], hi: table[token + 1] };
  }
  return narrow(segment, 0, segment.sa.length, 0, token);
}

/** Number of records in a segment. */
export function segmentRecordCount(segment: Segment): number {
  return segment.recordStarts.length - 1;
}

/** Local number of the record that holds stream position `position`. */
export function recordAtPosition(segment: Segment, position: number): number {
  const starts = segment.recordStarts;
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The token ids of one record of the segment (without its separator). */
export function recordTokens(segment: Segment, local: number): Int32Array {
  return segment.tokens.subarray(segment.recordStarts[local], segment.recordStarts[local + 1] - 1);
}

/** A half-open range `[lo, hi)` of the suffix array. */
export type SaRange = { lo: number; hi: number };

// Narrows `range` (suffixes sharing `depth` tokens with the query) to those whose next token is
// `token`. Every suffix in the range has a non-separator at depth-1, so sa[i] + depth is in bounds.
function narrow(segment: Segment, lo: number, hi: number, depth: number, token: number): SaRange {
  const { sa, tokens } = segment;
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (tokens[sa[mid] + depth] < token) a = mid + 1;
    else b = mid;
  }
  const first = a;
  b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (tokens[sa[mid] + depth] <= token) a = mid + 1;
    else b = mid;
  }
  return { lo: first, hi: a };
}

/** The longest prefix of `query[from..]` found in the segment, and the suffixes that start with it. */
export type SegmentMatch = { length: number; lo: number; hi: number };

/**
 * Finds the longest prefix of `query` starting at `from` that occurs in the segment. Query ids
 * below 1 (unknown terms) never match.
 */
export function longestMatch(segment: Segment, query: Int32Array, from: number): SegmentMatch {
  if (from >= query.length || query[from] <= SEPARATOR) return { length: 0, lo: 0, hi: 0 };
  let { lo, hi } = termRange(segment, query[from]);
  if (lo >= hi) return { length: 0, lo: 0, hi: 0 };
  let depth = 1;
  const { sa, tokens } = segment;
  while (from + depth < query.length) {
    const token = query[from + depth];
    if (token <= SEPARATOR) break;
    if (hi - lo === 1) {
      // One candidate left: extend by direct comparison (the separator stops it).
      const p = sa[lo];
      while (from + depth < query.length && tokens[p + depth] === query[from + depth] && query[from + depth] > SEPARATOR) {
        depth++;
      }
      return { length: depth, lo, hi };
    }
    const next = narrow(segment, lo, hi, depth, token);
    if (next.lo >= next.hi) break;
    lo = next.lo;
    hi = next.hi;
    depth++;
  }
  return { length: depth, lo, hi };
}

/** The suffix-array range of the suffixes that start with `query[from, from + length)`. */
export function findRange(segment: Segment, query: Int32Array, from: number, length: number): SaRange {
  if (length === 0) return { lo: 0, hi: segment.sa.length };
  let { lo, hi } = termRange(segment, query[from]);
  for (let depth = 1; depth < length && lo < hi; depth++) {
    const token = query[from + depth];
    if (token <= SEPARATOR) return { lo: 0, hi: 0 };
    ({ lo, hi } = narrow(segment, lo, hi, depth, token));
  }
  return { lo, hi };
}

/** Concatenates adjacent segments (in record order) into one and builds its suffix array afresh. */
export function mergeSegmentRun(run: readonly Segment[], alphabetSize: number): Segment {
  if (run.length === 1) return run[0];
  let tokenTotal = 0;
  let recordTotal = 0;
  for (const s of run) {
    tokenTotal += s.tokens.length;
    recordTotal += segmentRecordCount(s);
  }
  const tokens = new Int32Array(tokenTotal);
  const recordStarts = new Int32Array(recordTotal + 1);
  let tokenOffset = 0;
  let recordOffset = 0;
  for (const s of run) {
    tokens.set(s.tokens, tokenOffset);
    const count = segmentRecordCount(s);
    for (let r = 0; r < count; r++) recordStarts[recordOffset + r] = s.recordStarts[r] + tokenOffset;
    tokenOffset += s.tokens.length;
    recordOffset += count;
  }
  recordStarts[recordTotal] = tokenTotal;
  return buildSegment(run[0].firstRecord, tokens, recordStarts, alphabetSize);
}
