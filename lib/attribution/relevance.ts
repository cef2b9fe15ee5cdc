/**
 * How much of a question some records speak to, for deciding before any output whether the
 * data has anything to say: the share of the question's informative weight whose terms at least
 * one of the records holds. Each distinct term of the query weighs its BM25 idf in the index; a
 * term the index has never seen weighs the most (df 0), since nothing in the data mentions it.
 *
 *   coverage(R) = Σ idf(t) over query terms t held by some r ∈ R / Σ idf(t) over query terms
 *
 * 1 when the records hold every term of the query between them, 0 when they hold none; a
 * question about a topic the datanet never mentions ("Kubernetes ingress" over Moby-Dick)
 * covers little however BM25 ranks the records.
 */
import { type DatanetIndex, encodeText, recordNumber, segmentOfRecord } from "./datanet-index";
import { bm25Idf } from "./retrieval";

/** The coverage of `query` by the records `ids` together (ids the index does not hold cover nothing). */
export function queryCoverage(index: DatanetIndex, query: string, ids: readonly string[]): number {
  const terms = [...new Set(encodeText(index, query).ids)].sort((a, b) => a - b);
  const weights = terms.map((t) => bm25Idf(index.recordCount, t > 0 ? index.termRecordCounts[t] : 0));
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (total === 0) return 0;
  const held = new Set<number>();
  for (const id of ids) {
    const record = recordNumber(index, id);
    if (record < 0) continue;
    const segment = segmentOfRecord(index, record);
    const local = record - segment.firstRecord;
    for (const t of segment.tokens.subarray(segment.recordStarts[local], segment.recordStarts[local + 1])) held.add(t);
  }
  let covered = 0;
  for (let i = 0; i < terms.length; i++) if (terms[i] > 0 && held.has(terms[i])) covered += weights[i];
  return covered / total;
}
