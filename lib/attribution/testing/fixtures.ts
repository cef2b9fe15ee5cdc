/**
 * Record sets cut from the real corpora for the engine's tests (test support only).
 */
import type { Address, RecordInput } from "../types";
import { type CorpusDocument, chunkSentences, loadBrown, loadMobyDick, loadSotu } from "./corpora";

/** A deterministic contributor address for contributor number `n` (1-based). */
export function contributorAddress(n: number): Address {
  return `0x${n.toString(16).padStart(40, "0")}` as Address;
}

/**
 * A few hundred records of real prose: the first `sotu` addresses, `moby` chapters and `brown`
 * samples, cut into records of `perRecord` sentences; contributor k owns every k-th record.
 */
export function corpusRecords(
  opts: { sotu?: number; moby?: number; brown?: number; perRecord?: number; contributors?: number } = {},
): RecordInput[] {
  const docs: CorpusDocument[] = [...loadSotu(opts.sotu ?? 12), ...loadMobyDick(opts.moby ?? 12), ...loadBrown(opts.brown ?? 30)];
  const perRecord = opts.perRecord ?? 6;
  const contributors = opts.contributors ?? 10;
  const records: RecordInput[] = [];
  for (const doc of docs) {
    chunkSentences(doc.text, perRecord).forEach((text, i) => {
      records.push({ id: `${doc.name}#${i}`, contributor: contributorAddress((records.length % contributors) + 1), text });
    });
  }
  return records;
}

/**
 * A seeded pseudo-random generator in [0, 1) (LCG), so generated cases repeat exactly. Not
 * lib/chain/fixture's `seededRandom` (mulberry32): bench:attribution builds its 10M-word corpus and
 * its queries from this sequence, so another generator would change the benchmark's bytes; and
 * lib/attribution imports nothing of the project.
 */
export function lcgRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
