/**
 * Gapped matching (engine version 2, `gappedMatching`): an output that chops a record into exact
 * pieces shorter than `minSpanTokens`, with a few inserted or changed words between them, earns
 * nobody by exact spans. A gapped match is an order-preserving chain of exact pieces of one
 * record: each piece at least GAP_PIECE_TOKENS (3) tokens, consecutive pieces in increasing order
 * in both the output and the record, at most GAP_MAX_TOKENS (3) tokens skipped between them on
 * either side, together at least `minSpanTokens` matched tokens in at least two pieces.
 *
 * Chains grow from seeds: every output 3-gram found at most GAP_SEED_OCCURRENCES (32) times in
 * the index (a rarer phrase than ordinary English; frequent 3-grams seed nothing but can still be
 * pieces of a chain a rare one started). From a seed the piece is extended both ways as far as the
 * tokens agree, then the chain is continued forward and backward by the nearest next piece (least
 * skipped tokens, output gap first), reading the record's own tokens. Cost: one suffix-array lookup
 * per output 3-gram and a few token comparisons per seed occurrence.
 */
import { type DatanetIndex, originalOf } from "./datanet-index";
import { findRange, SEPARATOR } from "./segment";

/** Shortest exact piece of a gapped match, in tokens. */
export const GAP_PIECE_TOKENS = 3;
/** Most tokens skipped between two pieces, in the output and in the record alike. */
export const GAP_MAX_TOKENS = 3;
/** A 3-gram found more often than this in the index seeds no chain. */
export const GAP_SEED_OCCURRENCES = 32;

/** One exact piece of a chain: output tokens [start, end) equal the record's tokens from `recordStart`. */
export type GapPiece = { start: number; end: number; recordStart: number };

/** A gapped match: pieces of one record in increasing order. */
export type GappedChain = {
  /** The original (earliest of its copy chain) of the record the pieces come from. */
  record: number;
  /** The pieces in output order. */
  pieces: GapPiece[];
  /** Matched tokens (sum of the pieces' lengths). */
  matched: number;
};

/** The gapped matches of the output (`ids` encoded against `index`) with at least `minSpanTokens` matched tokens. */
export function gappedChains(index: DatanetIndex, ids: Int32Array, minSpanTokens: number): GappedChain[] {
  const n = ids.length;
  const g = GAP_PIECE_TOKENS;
  const visited = new Set<string>();
  const chains: GappedChain[] = [];
  for (let i = 0; i + g <= n; i++) {
    for (const { record, tokens, at } of seedHits(index, ids, i)) {
      if (visited.has(`${record}:${i}:${at}`)) continue;
      const pieces = chainAround(ids, tokens, i, at);
      let matched = 0;
      for (const piece of pieces) {
        matched += piece.end - piece.start;
        for (let t = 0; t < piece.end - piece.start; t++) visited.add(`${record}:${piece.start + t}:${piece.recordStart + t}`);
      }
      if (pieces.length >= 2 && matched >= minSpanTokens) chains.push({ record: originalOf(index, record), pieces, matched });
    }
  }
  return chains;
}

type SeedHit = { record: number; tokens: Int32Array; at: number };

// The occurrences of ids[from, from + 3) (record, its tokens, offset), none when there are too many.
function seedHits(index: DatanetIndex, ids: Int32Array, from: number): SeedHit[] {
  const ranges: { segment: (typeof index.segments)[number]; lo: number; hi: number }[] = [];
  let count = 0;
  for (const segment of index.segments) {
    const { lo, hi } = findRange(segment, ids, from, GAP_PIECE_TOKENS);
    count += hi - lo;
    if (count > GAP_SEED_OCCURRENCES) return [];
    if (hi > lo) ranges.push({ segment, lo, hi });
  }
  const hits: SeedHit[] = [];
  for (const { segment, lo, hi } of ranges) {
    for (let k = lo; k < hi; k++) {
      const position = segment.sa[k];
      const local = recordOf(segment.recordStarts, position);
      const start = segment.recordStarts[local];
      hits.push({
        record: segment.firstRecord + local,
        tokens: segment.tokens.subarray(start, segment.recordStarts[local + 1] - 1),
        at: position - start,
      });
    }
  }
  // Record order, then offset: the chains found do not depend on the suffix array's order.
  return hits.sort((a, b) => a.record - b.record || a.at - b.at);
}

function recordOf(starts: Int32Array, position: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// The chain through the seed: output[i..] = record[at..] for at least 3 tokens.
function chainAround(out: Int32Array, rec: Int32Array, i: number, at: number): GapPiece[] {
  const same = (a: number, b: number) => out[a] === rec[b] && out[a] > SEPARATOR;
  let start = i;
  let recordStart = at;
  while (start > 0 && recordStart > 0 && same(start - 1, recordStart - 1)) {
    start--;
    recordStart--;
  }
  let end = i;
  while (end < out.length && at + (end - i) < rec.length && same(end, at + (end - i))) end++;
  const pieces: GapPiece[] = [{ start, end, recordStart }];
  const g = GAP_PIECE_TOKENS;
  const G = GAP_MAX_TOKENS;
  // Forward: the nearest next piece after the last one.
  for (;;) {
    const last = pieces[pieces.length - 1];
    const a = last.end;
    const b = last.recordStart + (last.end - last.start);
    const next = nearest(G, (da, db) => {
      if (a + da + g > out.length || b + db + g > rec.length) return false;
      for (let t = 0; t < g; t++) if (!same(a + da + t, b + db + t)) return false;
      return true;
    });
    if (!next) break;
    const s = a + next.da;
    const r = b + next.db;
    let e = s;
    while (e < out.length && r + (e - s) < rec.length && same(e, r + (e - s))) e++;
    pieces.push({ start: s, end: e, recordStart: r });
  }
  // Backward: the nearest piece before the first one.
  for (;;) {
    const first = pieces[0];
    const a = first.start;
    const b = first.recordStart;
    const previous = nearest(G, (da, db) => {
      if (a - da - g < 0 || b - db - g < 0) return false;
      for (let t = 1; t <= g; t++) if (!same(a - da - t, b - db - t)) return false;
      return true;
    });
    if (!previous) break;
    let s = a - previous.da;
    let r = b - previous.db;
    const e = s;
    while (s > 0 && r > 0 && same(s - 1, r - 1)) {
      s--;
      r--;
    }
    pieces.unshift({ start: s, end: e, recordStart: r });
  }
  return pieces;
}

// The (output gap, record gap) in [0, G]², not both 0, with the fewest skipped tokens (then the
// smaller output gap) for which `fits` holds.
function nearest(G: number, fits: (da: number, db: number) => boolean): { da: number; db: number } | null {
  for (let total = 1; total <= 2 * G; total++) {
    for (let da = Math.max(0, total - G); da <= Math.min(G, total); da++) {
      const db = total - da;
      if (fits(da, db)) return { da, db };
    }
  }
  return null;
}
