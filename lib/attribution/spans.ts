/**
 * Span attribution: which parts of the output are found verbatim (as token sequences) in the
 * index, and which records get credit for them.
 *
 * 1. Matching statistics: for every output position i, m[i] = the length of the longest prefix
 *    of output[i..] found anywhere in the index (longest over all segments).
 * 2. Maximal spans: [i, i + m[i]) with m[i] >= minSpanTokens that no earlier span contains
 *    (since m[i] >= m[i-1] - 1 always, that is exactly m[i] >= m[i-1]).
 * 3. Each output token is credited to the longest maximal span covering it (ties: the earlier
 *    one), so overlapping spans never count a token twice; a span's credited length is the
 *    number of tokens it won.
 * 4. Rarity: a span found in d distinct original records (copies count as their original) is
 *    common when d > T = max(commonMinRecords, commonRecordFraction × records) and worth 0;
 *    otherwise it is worth credited × (1 − (d − 1) / T), shared equally by the d records.
 *    Only + − × ÷ on doubles are used, so every engine computes the same numbers.
 * 5. Who gets each token's credit (engine version 2, `earliestHolderCredit`): the earliest
 *    published original record (lowest record number) that holds a match of at least
 *    minSpanTokens covering the token, not every holder of its longest match. A token is covered
 *    by an occurring match of length >= k exactly when one of the k-grams covering it occurs, so
 *    the earliest holder of each output k-gram (found through the suffix array, segments in
 *    record order) decides it; a k-gram held by more than T originals is a common phrase and
 *    explains nothing. A token no rare k-gram covers goes to the earliest holder of its longest
 *    match. So a later record that quotes, extends or splices earlier passages earns only for
 *    the tokens no earlier record explains. Version 1 shares a span's value equally by its holders.
 */
import { type DatanetIndex, originalOf, recordAt } from "./datanet-index";
import { gappedChains } from "./gapped";
import { findRange, longestMatch, recordAtPosition } from "./segment";
import type { AttributionPolicy, Span } from "./types";

/** The output as token ids against an index, with each token's character offsets. */
export type EncodedText = { ids: Int32Array; starts: Int32Array; ends: Int32Array };

/** Options of `findSpans` (the span part of the policy). */
export type FindSpansOptions = Pick<AttributionPolicy, "minSpanTokens" | "commonRecordFraction" | "commonMinRecords">;

/** Spans of the output plus the credit they give each original record (global record numbers). */
export type SpanResult = {
  /** Maximal spans in output order. */
  spans: Span[];
  /** Credit per original record number, in output tokens. */
  credit: Map<number, number>;
  /** Per output token: 1 when its longest covering span is common. */
  commonTokens: Uint8Array;
  /** Copies (global record numbers) whose credit went to their original. */
  copies: number[];
};

/** For every output position, the length of the longest match in the index. */
export function matchingStatistics(index: DatanetIndex, ids: Int32Array): Int32Array {
  const lengths = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    // Each position is searched from scratch: the range collapses to one suffix after a few
    // tokens, and from there the match extends by direct comparison.
    let best = 0;
    for (const segment of index.segments) {
      const m = longestMatch(segment, ids, i).length;
      if (m > best) best = m;
    }
    lengths[i] = best;
  }
  return lengths;
}

/** The commonness threshold T for an index: spans in more than T original records are common. */
export function commonThreshold(index: DatanetIndex, options: FindSpansOptions): number {
  return Math.max(options.commonMinRecords, Math.floor(options.commonRecordFraction * index.recordCount));
}

/**
 * Distinct original records holding `ids[from, from + length)` (sorted), and the copies found
 * holding it. Stops early once more than `limit` originals are found: the span is then common
 * and the exact count does not matter.
 */
export function originalsHolding(
  index: DatanetIndex,
  ids: Int32Array,
  from: number,
  length: number,
  limit: number,
): { originals: number[]; copies: number[] } {
  const originals = new Set<number>();
  const copies = new Set<number>();
  for (const segment of index.segments) {
    const { lo, hi } = findRange(segment, ids, from, length);
    for (let k = lo; k < hi; k++) {
      const record = segment.firstRecord + recordAtPosition(segment, segment.sa[k]);
      const original = originalOf(index, record);
      originals.add(original);
      if (original !== record) copies.add(record);
      if (originals.size > limit) return { originals: [...originals], copies: [] };
    }
  }
  return { originals: [...originals].sort((a, b) => a - b), copies: [...copies].sort((a, b) => a - b) };
}

/**
 * Scanning the occurrences of one k-gram stops after this many (or after more than T distinct
 * originals): the k-gram then counts as common and explains nothing.
 */
export const OCCURRENCE_SCAN_LIMIT = 4096;

/**
 * The earliest original record holding `ids[from, from + length)`, or -1 when the run is common
 * (held by more than `limit` originals, or found more than max(OCCURRENCE_SCAN_LIMIT, 4 × limit)
 * times) or found nowhere.
 */
export function earliestHolder(index: DatanetIndex, ids: Int32Array, from: number, length: number, limit: number): number {
  const originals = new Set<number>();
  const scanLimit = Math.max(OCCURRENCE_SCAN_LIMIT, 4 * limit);
  let scanned = 0;
  let best = -1;
  for (const segment of index.segments) {
    const { lo, hi } = findRange(segment, ids, from, length);
    if (scanned + (hi - lo) > scanLimit) return -1;
    scanned += hi - lo;
    for (let k = lo; k < hi; k++) {
      const original = originalOf(index, segment.firstRecord + recordAtPosition(segment, segment.sa[k]));
      if (original < best || best === -1) best = original;
      originals.add(original);
      if (originals.size > limit) return -1;
    }
  }
  return best;
}

/** Options of how `findSpans` credits tokens (engine switches). */
export type CreditOptions = {
  /** Credit each token to the earliest original holding a match covering it (engine version 2). */
  earliestHolderCredit?: boolean;
  /** Credit tokens no exact span explains to the earliest record of a gapped match covering them (engine version 2). */
  gappedMatching?: boolean;
};

/** Finds the maximal spans of the output and the credit they give each original record. */
export function findSpans(index: DatanetIndex, output: EncodedText, options: FindSpansOptions, credits: CreditOptions = {}): SpanResult {
  const { ids, starts, ends } = output;
  const n = ids.length;
  const m = matchingStatistics(index, ids);
  const spanStarts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (m[i] >= options.minSpanTokens && (i === 0 || m[i] >= m[i - 1])) spanStarts.push(i);
  }
  // Each token goes to the longest covering span (earliest on ties).
  const owner = new Int32Array(n).fill(-1);
  spanStarts.forEach((s, k) => {
    for (let j = s; j < s + m[s]; j++) {
      const current = owner[j];
      if (current === -1 || m[spanStarts[current]] < m[s]) owner[j] = k;
    }
  });
  const won = new Int32Array(spanStarts.length);
  for (let j = 0; j < n; j++) if (owner[j] !== -1) won[owner[j]]++;

  const threshold = commonThreshold(index, options);
  const credit = new Map<number, number>();
  const spans: Span[] = [];
  const commonSpan: boolean[] = [];
  const spanHolders: number[][] = [];
  const copies = new Set<number>();
  spanStarts.forEach((s, k) => {
    const length = m[s];
    const { originals: holders, copies: copiesHere } = originalsHolding(index, ids, s, length, threshold);
    const common = holders.length > threshold;
    if (!common && won[k] > 0) for (const c of copiesHere) copies.add(c);
    const value = common || won[k] === 0 ? 0 : won[k] * (1 - (holders.length - 1) / threshold);
    commonSpan.push(common);
    spanHolders.push(holders);
    if (value > 0 && !credits.earliestHolderCredit) {
      const share = value / holders.length;
      for (const r of holders) credit.set(r, (credit.get(r) ?? 0) + share);
    }
    spans.push({
      start: s,
      end: s + length,
      charStart: starts[s],
      charEnd: ends[s + length - 1],
      tokens: won[k],
      recordCount: holders.length,
      common,
      value,
      records: common ? [] : holders.map((r) => recordAt(index, r).id),
    });
  });
  if (credits.earliestHolderCredit) {
    const tokenRecord = earliestCredit(index, ids, m, owner, spanHolders, commonSpan, options.minSpanTokens, threshold);
    const credited = spans.map(() => new Set<number>());
    for (let j = 0; j < n; j++) {
      const k = owner[j];
      if (k === -1 || tokenRecord[j] === -1 || spans[k].value === 0) continue;
      // The token's value is its longest match's rarity, as in version 1.
      credit.set(tokenRecord[j], (credit.get(tokenRecord[j]) ?? 0) + spans[k].value / won[k]);
      credited[k].add(tokenRecord[j]);
    }
    spans.forEach((span, k) => {
      span.records = [...credited[k]].sort((a, b) => a - b).map((r) => recordAt(index, r).id);
    });
  }
  const commonTokens = new Uint8Array(n);
  for (let j = 0; j < n; j++) if (owner[j] !== -1 && commonSpan[owner[j]]) commonTokens[j] = 1;
  if (credits.gappedMatching) {
    const gapped = gappedSpans(index, output, owner, options.minSpanTokens);
    for (const { span, record } of gapped) credit.set(record, (credit.get(record) ?? 0) + span.value);
    // Output order; an exact span before a gapped one starting at the same token.
    const merged = [...spans.map((span, k) => ({ span, k })), ...gapped.map(({ span }, k) => ({ span, k: spans.length + k }))];
    merged.sort((a, b) => a.span.start - b.span.start || a.k - b.k);
    return { spans: merged.map((x) => x.span), credit, commonTokens, copies: [...copies].sort((a, b) => a - b) };
  }
  return { spans, credit, commonTokens, copies: [...copies].sort((a, b) => a - b) };
}

/**
 * Per output token, the original record its credit goes to under `earliestHolderCredit` (-1 for
 * tokens no rare span covers): the earliest holder of a rare k-gram covering the token, else the
 * earliest holder of its longest match.
 */
function earliestCredit(
  index: DatanetIndex,
  ids: Int32Array,
  m: Int32Array,
  owner: Int32Array,
  spanHolders: number[][],
  commonSpan: boolean[],
  k: number,
  threshold: number,
): Int32Array {
  const n = ids.length;
  const gram = new Int32Array(n).fill(-1);
  for (let i = 0; i + k <= n; i++) if (m[i] >= k) gram[i] = earliestHolder(index, ids, i, k, threshold);
  const tokenRecord = new Int32Array(n).fill(-1);
  for (let j = 0; j < n; j++) {
    const span = owner[j];
    if (span === -1 || commonSpan[span]) continue;
    let best = -1;
    for (let i = Math.max(0, j - k + 1); i <= j; i++) if (gram[i] !== -1 && (best === -1 || gram[i] < best)) best = gram[i];
    tokenRecord[j] = best !== -1 ? best : spanHolders[span][0];
  }
  return tokenRecord;
}

/**
 * Spans for the gapped matches (engine version 2): each output token no exact span covers goes to
 * the earliest record of a gapped match holding it in one of its pieces (the first such chain
 * found, on ties); a chain that won tokens is one span, from its first piece to its last, worth
 * the tokens it won.
 */
function gappedSpans(index: DatanetIndex, output: EncodedText, owner: Int32Array, minSpanTokens: number): { span: Span; record: number }[] {
  const chains = gappedChains(index, output.ids, minSpanTokens);
  const n = output.ids.length;
  const tokenChain = new Int32Array(n).fill(-1);
  chains.forEach((chain, c) => {
    for (const piece of chain.pieces) {
      for (let j = piece.start; j < piece.end; j++) {
        if (owner[j] !== -1) continue;
        if (tokenChain[j] === -1 || chain.record < chains[tokenChain[j]].record) tokenChain[j] = c;
      }
    }
  });
  const won = new Int32Array(chains.length);
  for (let j = 0; j < n; j++) if (tokenChain[j] !== -1) won[tokenChain[j]]++;
  const result: { span: Span; record: number }[] = [];
  chains.forEach((chain, c) => {
    if (won[c] === 0) return;
    const start = chain.pieces[0].start;
    const end = chain.pieces[chain.pieces.length - 1].end;
    result.push({
      record: chain.record,
      span: {
        start,
        end,
        charStart: output.starts[start],
        charEnd: output.ends[end - 1],
        tokens: won[c],
        recordCount: 1,
        common: false,
        value: won[c],
        records: [recordAt(index, chain.record).id],
        gapped: true,
      },
    });
  });
  return result;
}
