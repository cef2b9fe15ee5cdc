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
 * A backend that can measure influence (e.g. the drop in the output's log-probability when the
 * record is left out of the prompt) passes its numbers instead; negatives count as 0.
 */
import { originalOf, recordTokensOf, type DatanetIndex } from "./datanet-index";
import { SEPARATOR, buildSegment, longestMatch } from "./segment";

/** Influence per original record number, from the span leave-one-out over the context. */
export function spanLeaveOneOut(
  index: DatanetIndex,
  outputIds: Int32Array,
  contextRecords: readonly number[],
  minSpanTokens: number,
  commonTokens: Uint8Array,
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
  for (const [original, covered] of coverage) {
    let lost = 0;
    for (let j = 0; j < n; j++) if (covered[j] && count[j] === 1 && !commonTokens[j]) lost++;
    influence.set(original, lost);
  }
  return influence;
}

// Output tokens covered by a match of at least `minSpanTokens` in the given records.
function coveredBy(index: DatanetIndex, outputIds: Int32Array, records: readonly number[], minSpanTokens: number): Uint8Array {
  // A compact alphabet keeps the tiny suffix array's buckets small.
  const local = new Map<number, number>();
  const parts: Int32Array[] = records.map((r) => recordTokensOf(index, r));
  let total = 0;
  for (const p of parts) total += p.length + 1;
  const tokens = new Int32Array(total);
  const starts = new Int32Array(parts.length + 1);
  let k = 0;
  parts.forEach((p, i) => {
    starts[i] = k;
    for (let j = 0; j < p.length; j++) {
      let id = local.get(p[j]);
      if (id === undefined) local.set(p[j], (id = local.size + 1));
      tokens[k++] = id;
    }
    tokens[k++] = SEPARATOR;
  });
  starts[parts.length] = k;
  const segment = buildSegment(0, tokens, starts, local.size + 1);
  const query = outputIds.map((id) => local.get(id) ?? -1);
  const covered = new Uint8Array(outputIds.length);
  for (let i = 0; i < query.length; i++) {
    const m = longestMatch(segment, query, i).length;
    if (m >= minSpanTokens) covered.fill(1, i, i + m);
  }
  return covered;
}
