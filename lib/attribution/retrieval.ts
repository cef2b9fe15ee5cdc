/**
 * BM25 retrieval over the records of an index, to pick a model's context for a prompt.
 * Postings come from the suffix array itself (the range of a one-token prefix is every
 * occurrence of that term), so retrieval costs no extra index bytes.
 *
 * score(r) = Σ over distinct query terms t of idf(t) × tf·(k1 + 1) / (tf + k1·(1 − b + b·len(r)/avglen)),
 * idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)). Ties are broken by on-chain order.
 */
import { type DatanetIndex, encodeText, originalOf, recordAt, segmentOfRecord } from "./datanet-index";
import { recordAtPosition, termRange } from "./segment";

/** Options of `retrieve`. */
export type RetrieveOptions = {
  /** Number of records to return. Default 5. */
  k?: number;
  /** BM25 term-frequency saturation. Default 1.2. */
  k1?: number;
  /** BM25 length normalization. Default 0.75. */
  b?: number;
  /** Leave out records that copy an earlier one. Default true. */
  skipDuplicates?: boolean;
};

/** One retrieved record. */
export type RetrievedRecord = {
  /** Record id. */
  id: string;
  /** BM25 score. */
  score: number;
};

/** BM25's idf of a term found in `df` of `N` records (the formula above). */
export function bm25Idf(N: number, df: number): number {
  return Math.log(1 + (N - df + 0.5) / (df + 0.5));
}

/** The `k` records that best match `query` by BM25, best first. */
export function retrieve(index: DatanetIndex, query: string, options: RetrieveOptions = {}): RetrievedRecord[] {
  const k = options.k ?? 5;
  const k1 = options.k1 ?? 1.2;
  const b = options.b ?? 0.75;
  const skipDuplicates = options.skipDuplicates ?? true;
  const N = index.recordCount;
  if (N === 0 || k <= 0) return [];
  const avgLength = index.tokenCount / N;
  const terms = [...new Set(encodeText(index, query).ids)].filter((t) => t > 0).sort((x, y) => x - y);
  const scores = new Map<number, number>();
  for (const t of terms) {
    const df = index.termRecordCounts[t];
    const idf = bm25Idf(N, df);
    const tf = new Map<number, number>();
    for (const segment of index.segments) {
      const { lo, hi } = termRange(segment, t);
      for (let i = lo; i < hi; i++) {
        const record = segment.firstRecord + recordAtPosition(segment, segment.sa[i]);
        tf.set(record, (tf.get(record) ?? 0) + 1);
      }
    }
    for (const [record, f] of tf) {
      const segment = segmentOfRecord(index, record);
      const local = record - segment.firstRecord;
      const length = segment.recordStarts[local + 1] - segment.recordStarts[local] - 1;
      const part = (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * length) / avgLength));
      scores.set(record, (scores.get(record) ?? 0) + part);
    }
  }
  return [...scores]
    .filter(([record]) => !skipDuplicates || originalOf(index, record) === record)
    .sort((x, y) => (y[1] !== x[1] ? y[1] - x[1] : x[0] - y[0]))
    .slice(0, k)
    .map(([record, score]) => ({ id: recordAt(index, record).id, score }));
}
