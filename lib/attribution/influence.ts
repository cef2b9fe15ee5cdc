/**
 * Context influence: how much each retrieved record changed the output.
 *
 * With no backend measurement the engine uses an exact span leave-one-out: the output tokens
 * covered by a match of at least `minSpanTokens` tokens in the context are those the context
 * explains; a record's influence is the number of those tokens that NO other retrieved record
 * (counting copies as their original) explains, i.e. exactly what would be lost without it.
 * Tokens whose longest match in the datanet is a common phrase are left out. A retrieved
 * record that contributed no span therefore gets 0.
 *
 * Engine version 2 (`earliestContextInfluence`): retrieved records that explain the same output
 * tokens form a group, and the group's tokens count for its earliest record (lowest record
 * number), so a near-copy retrieved beside the original, too different to be flagged as a copy,
 * no longer cuts the original's influence to 0 (nor earns any itself): each explained token
 * counts for exactly one record, the earliest that explains it.
 *
 * A backend that can measure influence (e.g. the drop in the output's log-probability when the
 * record is left out of the prompt) passes its numbers instead; negatives count as 0.
 */
import { type DatanetIndex, originalOf, recordTokensOf } from "./datanet-index";
import { hashTokens } from "./hashing";

/** Influence per original record number, from the span leave-one-out over the context. */
export function spanLeaveOneOut(
  index: DatanetIndex,
  outputIds: Int32Array,
  contextRecords: readonly number[],
  minSpanTokens: number,
  commonTokens: Uint8Array,
  earliest = false,
): Map<number, number> {
  // Group context records by original: a copy retrieved next to its original adds nothing new.
  const groups = new Map<number, number[]>();
  for (const r of contextRecords) {
    const o = originalOf(index, r);
    const group = groups.get(o) ?? [];
    if (!group.includes(r)) group.push(r);
    groups.set(o, group);
  }
  const n = outputIds.length;
  const coverage = new Map<number, Uint8Array>();
  const count = new Int32Array(n);
  for (const [original, members] of groups) {
    const covered = coveredBy(index, outputIds, members, minSpanTokens);
    coverage.set(original, covered);
    for (let j = 0; j < n; j++) count[j] += covered[j];
  }
  const influence = new Map<number, number>();
  if (earliest) {
    const byAge = [...coverage].sort((a, b) => a[0] - b[0]);
    for (const [original] of byAge) influence.set(original, 0);
    for (let j = 0; j < n; j++) {
      if (commonTokens[j]) continue;
      const first = byAge.find(([, covered]) => covered[j] === 1);
      if (first) influence.set(first[0], influence.get(first[0])! + 1);
    }
    return influence;
  }
  for (const [original, covered] of coverage) {
    let lost = 0;
    for (let j = 0; j < n; j++) if (covered[j] && count[j] === 1 && !commonTokens[j]) lost++;
    influence.set(original, lost);
  }
  return influence;
}

// Output tokens covered by a match of at least `minSpanTokens` in the given records. A token is
// covered by some occurring window of length >= k exactly when it is covered by an occurring
// window of length k (every k-long piece of an occurring window occurs too), so a set of the
// records' k-grams decides it exactly.
function coveredBy(index: DatanetIndex, outputIds: Int32Array, records: readonly number[], minSpanTokens: number): Uint8Array {
  const k = minSpanTokens;
  // k-gram hash -> where it occurs (record tokens, offset); a hit is confirmed token by token.
  const grams = new Map<number, { tokens: Int32Array; at: number }[]>();
  for (const r of records) {
    const tokens = recordTokensOf(index, r);
    for (let p = 0; p + k <= tokens.length; p++) {
      const key = gramKey(tokens, p, k);
      const list = grams.get(key);
      if (list) list.push({ tokens, at: p });
      else grams.set(key, [{ tokens, at: p }]);
    }
  }
  const covered = new Uint8Array(outputIds.length);
  for (let i = 0; i + k <= outputIds.length; i++) {
    const list = grams.get(gramKey(outputIds, i, k));
    if (list?.some((g) => sameRun(g.tokens, g.at, outputIds, i, k))) covered.fill(1, i, i + k);
  }
  return covered;
}

// A 53-bit key from two independent 32-bit hashes of ids[from, from + k).
function gramKey(ids: Int32Array, from: number, k: number): number {
  return hashTokens(ids, from, from + k, 0x2545f491) * 2 ** 21 + (hashTokens(ids, from, from + k, 0x6a09e667) >>> 11);
}

function sameRun(a: Int32Array, i: number, b: Int32Array, j: number, k: number): boolean {
  for (let d = 0; d < k; d++) if (a[i + d] !== b[j + d]) return false;
  return true;
}
