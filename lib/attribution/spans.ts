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
 * 6. Version 2 (`informativeness.ts`): a span's value counts only the tokens it wins that are
 *    informative — not inside a phrase frequent in general English or a stock chatbot phrase,
 *    and not repeating the prompt (a run of at least `minSpanTokens` shared with it); a span that
 *    is ordinary English as a whole is worth 0. Commonness within the datanet counts the holders
 *    up to and including the first (`firstHolderRarity`): later records that repeat a span cannot
 *    make it worthless to the record that published it first.
 */
import { type DatanetIndex, originalOf, recordAt, termOf } from "./datanet-index";
import { gappedChains } from "./gapped";
import { hashTokens } from "./hashing";
import { judgeSpan } from "./informativeness";
import { findRange, longestMatch, recordAtPosition } from "./segment";
import type { AttributionPolicy, Span } from "./types";
import { behaviourOf, ENGINE_VERSION_1, type EngineBehaviour } from "./versions";

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
 * The earliest original record that itself holds `ids[from, from + length)` (copies do not count
 * as holders), or -1 when the run is common
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
      const record = segment.firstRecord + recordAtPosition(segment, segment.sa[k]);
      const original = originalOf(index, record);
      originals.add(original);
      if (originals.size > limit) return -1;
      // A copy holds its text for nobody: its original is credited where the original itself holds
      // the text, never for what only the copy holds (another record's passage spliced into it).
      if (original === record && (original < best || best === -1)) best = original;
    }
  }
  return best;
}

/**
 * Output tokens covered by a run of at least `minSpan` tokens that the prompt holds too (token
 * ids below 1, unknown to the index, never count).
 */
export function promptEcho(output: Int32Array, prompt: Int32Array, minSpan: number): Uint8Array {
  const echo = new Uint8Array(output.length);
  if (prompt.length < minSpan || output.length < minSpan) return echo;
  const firstAt = new Map<number, number>();
  for (let i = 0; i + minSpan <= prompt.length; i++) {
    if (!allKnown(prompt, i, minSpan)) continue;
    const h = hashTokens(prompt, i, i + minSpan, 0x2468ace);
    if (!firstAt.has(h)) firstAt.set(h, i);
  }
  for (let i = 0; i + minSpan <= output.length; i++) {
    const at = firstAt.get(hashTokens(output, i, i + minSpan, 0x2468ace));
    if (at === undefined) continue;
    let k = 0;
    while (k < minSpan && output[i + k] === prompt[at + k]) k++;
    if (k === minSpan) echo.fill(1, i, i + minSpan);
  }
  return echo;
}

function allKnown(ids: Int32Array, from: number, length: number): boolean {
  for (let k = from; k < from + length; k++) if (ids[k] < 1) return false;
  return true;
}

/**
 * Finds the maximal spans of the output and the credit they give each original record, as engine
 * `behaviour` computes them (default version 1); `prompt` (token ids) is read by version 2 only.
 */
export function findSpans(
  index: DatanetIndex,
  output: EncodedText,
  options: FindSpansOptions,
  behaviour: EngineBehaviour = behaviourOf(ENGINE_VERSION_1),
  prompt: Int32Array = new Int32Array(0),
): SpanResult {
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
  // Tokens of each span that earn (version 2: not ordinary English, not echoing the prompt).
  const spanEarning: number[] = [];
  const copies = new Set<number>();
  const echo = behaviour.promptEcho ? promptEcho(ids, prompt, options.minSpanTokens) : new Uint8Array(n);
  // Version 2: output tokens that earn nothing however rare their span (ordinary English, echo).
  const worthless = new Uint8Array(n);
  spanStarts.forEach((s, k) => {
    const length = m[s];
    let earning = won[k];
    let ordinary: boolean | undefined;
    if (behaviour.referenceInformativeness || behaviour.promptEcho) {
      const judged = behaviour.referenceInformativeness ? judgeSpan(termsOf(index, ids, s, length)) : undefined;
      ordinary = judged?.ordinarySpan ?? false;
      earning = 0;
      for (let j = s; j < s + length; j++) {
        const spent = ordinary || judged?.ordinary[j - s] === 1 || echo[j] === 1;
        if (spent) worthless[j] = 1;
        else if (owner[j] === k) earning++;
      }
    }
    // With `firstHolderRarity` every holder is read (to find the first) unless the span earns
    // nothing anyway; otherwise counting stops past the threshold.
    const limit = behaviour.firstHolderRarity && earning > 0 ? Number.MAX_SAFE_INTEGER : threshold;
    const { originals: holders, copies: copiesHere } = originalsHolding(index, ids, s, length, limit);
    // A span that earns nothing credits nobody (its holders, past the threshold, come in no order).
    const counted = behaviour.firstHolderRarity ? holders.slice(0, earning > 0 ? 1 : 0) : holders;
    const common = counted.length > threshold;
    if (!common && earning > 0) for (const c of copiesHere) copies.add(c);
    const value = common || earning === 0 ? 0 : earning * (1 - (counted.length - 1) / threshold);
    commonSpan.push(common);
    spanHolders.push(holders);
    spanEarning.push(earning);
    if (value > 0 && !behaviour.earliestHolderCredit) {
      const share = value / counted.length;
      for (const r of counted) credit.set(r, (credit.get(r) ?? 0) + share);
    }
    spans.push({
      start: s,
      end: s + length,
      charStart: starts[s],
      charEnd: ends[s + length - 1],
      tokens: won[k],
      recordCount: holders.length,
      common,
      ...(ordinary === undefined ? {} : { ordinary, earning }),
      value,
      records: common ? [] : counted.map((r) => recordAt(index, r).id),
    });
  });
  if (behaviour.earliestHolderCredit) {
    const tokenRecord = earliestCredit(index, ids, m, owner, spanHolders, commonSpan, options.minSpanTokens, threshold);
    const credited = spans.map(() => new Set<number>());
    for (let j = 0; j < n; j++) {
      const k = owner[j];
      if (k === -1 || tokenRecord[j] === -1 || spans[k].value === 0 || worthless[j]) continue;
      // Each earning token is worth its longest match's rarity, as in version 1.
      credit.set(tokenRecord[j], (credit.get(tokenRecord[j]) ?? 0) + spans[k].value / spanEarning[k]);
      credited[k].add(tokenRecord[j]);
    }
    spans.forEach((span, k) => {
      span.records = [...credited[k]].sort((a, b) => a - b).map((r) => recordAt(index, r).id);
    });
  }
  const commonTokens = new Uint8Array(n);
  for (let j = 0; j < n; j++) if ((owner[j] !== -1 && commonSpan[owner[j]]) || worthless[j]) commonTokens[j] = 1;
  if (behaviour.gappedMatching) {
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

// The terms of `ids[from, from + length)` (all known to the index: they are a match).
function termsOf(index: DatanetIndex, ids: Int32Array, from: number, length: number): string[] {
  const terms: string[] = [];
  for (let j = from; j < from + length; j++) terms.push(termOf(index, ids[j]));
  return terms;
}
