/**
 * The index of one datanet (or of all records a model draws on): vocabulary, segments with
 * suffix arrays, records in on-chain order with their contributors, the duplicate map and
 * per-term record counts for BM25.
 *
 * Snapshots are immutable values: `addContribution` and `mergeSegments` return a new snapshot
 * and never change the one they were given, so an attribution running on a snapshot is never
 * disturbed by a concurrent add or merge. Append-only tables (vocabulary, record ids, LSH
 * buckets) are shared between successive snapshots; each snapshot only looks at the entries
 * that existed when it was made.
 */
import { getAddress, isAddress } from "viem/utils";
import { canonicalJson, hashText } from "./canonical-json";
import { containmentOf, GramTable, winnow } from "./containment";
import { BucketTable, bandKeys, LSH_BANDS, ShingleSet, shingleHashes } from "./dedupe";
import { DuplicateRecordIdError, IndexForkedError, InvalidRecordError } from "./errors";
import { hashString, hashTokens, hex32, mix32 } from "./hashing";
import { buildSegment, mergeSegmentRun, recordTokens, SEPARATOR, type Segment } from "./segment";
import { scanTokens } from "./tokenizer";
import type { Address, Hex, IndexOptions, RecordInput } from "./types";
import { behaviourOf, ENGINE_VERSION, ENGINE_VERSION_1, isEngineVersion } from "./versions";
import { AsciiTermTable } from "./vocabulary";

/** Version of the index layout; part of the snapshot id. */
export const INDEX_FORMAT = "upstream-index/1";

/** Index options used when none are given. */
export const DEFAULT_INDEX_OPTIONS: IndexOptions = {
  shingleTokens: 3,
  nearDuplicateJaccard: 0.7,
  maxSegments: 8,
  maxRecordChars: 4_000_000,
  engine: ENGINE_VERSION,
  containmentSpanTokens: 12,
  copyContainment: 0.8,
  nearCopyContainment: 0.5,
};

/**
 * The options that version 1 indexes had, in their order: a version 1 index serializes and
 * identifies itself with these alone, so its bytes and snapshot id are those it had before
 * engine versions existed (old proofs carry that id).
 */
export function storedOptions(options: IndexOptions): Partial<IndexOptions> {
  const { shingleTokens, nearDuplicateJaccard, maxSegments, maxRecordChars } = options;
  if (options.engine === ENGINE_VERSION_1) return { shingleTokens, nearDuplicateJaccard, maxSegments, maxRecordChars };
  return options;
}

/** A record as the index keeps it. */
export type IndexedRecord = {
  /** Record id. */
  id: string;
  /** Checksummed contributor address. */
  contributor: Address;
};

/** Append-only state shared by the snapshots of one index lineage. */
export type SharedTables = {
  termIds: Map<string, number>;
  terms: string[];
  /** Fast path for ASCII terms (same ids as `termIds`). */
  asciiTerms: AsciiTermTable;
  recordNumbers: Map<string, number>;
  records: IndexedRecord[];
  /** original[r]: the earliest record that record r copies (r itself for an original). */
  original: Int32Array;
  exact: BucketTable;
  bands: BucketTable;
  /** Number of records of the latest snapshot; extending an older one would corrupt the tables. */
  recordCount: number;
  /** Kept grams of every record, for containment (built on first use in a version 1 index). */
  grams?: GramTable;
};

/** One immutable snapshot of an index. */
export type DatanetIndex = {
  /** Options fixed at creation. */
  readonly options: IndexOptions;
  /** Segments in record order. */
  readonly segments: readonly Segment[];
  /** Number of records in this snapshot. */
  readonly recordCount: number;
  /** Number of tokens in this snapshot (separators excluded). */
  readonly tokenCount: number;
  /** Number of term ids in use (id 0 is the separator). */
  readonly vocabularySize: number;
  /** termRecordCounts[t]: number of records containing term t (BM25 document frequency). */
  readonly termRecordCounts: Uint32Array;
  /** Rolling fingerprint (4 × 32 bits) of the vocabulary and the records' ids, contributors and tokens. */
  readonly fingerprint: Uint32Array;
  /** Shared append-only tables; read through the helpers below. */
  readonly shared: SharedTables;
};

/** Creates an empty index. */
export function createIndex(options: Partial<IndexOptions> = {}): DatanetIndex {
  const full = { ...DEFAULT_INDEX_OPTIONS, ...options };
  const terms = [""];
  if (!(full.nearDuplicateJaccard > 0 && full.nearDuplicateJaccard <= 1)) {
    throw new InvalidRecordError("nearDuplicateJaccard must be in (0, 1]");
  }
  if (!Number.isInteger(full.shingleTokens) || full.shingleTokens < 1)
    throw new InvalidRecordError("shingleTokens must be a positive integer");
  if (!Number.isInteger(full.maxSegments) || full.maxSegments < 1) throw new InvalidRecordError("maxSegments must be a positive integer");
  if (!isEngineVersion(full.engine)) throw new InvalidRecordError(`unknown engine version ${String(full.engine)}`);
  if (!Number.isInteger(full.containmentSpanTokens) || full.containmentSpanTokens < 8 || full.containmentSpanTokens > 1000)
    throw new InvalidRecordError("containmentSpanTokens must be an integer in [8, 1000]");
  if (!(full.copyContainment > 0 && full.copyContainment <= 1)) throw new InvalidRecordError("copyContainment must be in (0, 1]");
  if (!(full.nearCopyContainment > 0 && full.nearCopyContainment <= full.copyContainment))
    throw new InvalidRecordError("nearCopyContainment must be in (0, copyContainment]");
  return {
    options: full,
    segments: [],
    recordCount: 0,
    tokenCount: 0,
    vocabularySize: 1,
    termRecordCounts: new Uint32Array(1),
    fingerprint: new Uint32Array(4),
    shared: {
      termIds: new Map(),
      terms,
      asciiTerms: new AsciiTermTable(),
      recordNumbers: new Map(),
      records: [],
      original: new Int32Array(16),
      exact: new BucketTable(),
      bands: new BucketTable(),
      recordCount: 0,
      grams: behaviourOf(full.engine).containmentCopies ? new GramTable() : undefined,
    },
  };
}

/** Builds an index from records given in on-chain order (one segment). */
export function buildIndex(records: readonly RecordInput[], options: Partial<IndexOptions> = {}): DatanetIndex {
  return addContribution(createIndex(options), records);
}

/**
 * Validates one record at the boundary and returns its checksummed contributor; `addresses`
 * remembers the contributors already checked (a contribution repeats a few addresses many times).
 */
function checkRecord(record: RecordInput, position: number, maxChars: number, addresses: Map<string, Address>): Address {
  if (typeof record?.id !== "string" || record.id.length === 0 || record.id.length > 256) {
    throw new InvalidRecordError(`record ${position}: id must be a non-empty string of at most 256 characters`, position);
  }
  if (typeof record.text !== "string") throw new InvalidRecordError(`record ${record.id}: text must be a string`, position);
  if (record.text.length > maxChars) {
    throw new InvalidRecordError(
      `record ${record.id}: text has ${record.text.length} characters, more than the limit of ${maxChars}`,
      position,
    );
  }
  const known = typeof record.contributor === "string" ? addresses.get(record.contributor) : undefined;
  if (known) return known;
  if (typeof record.contributor !== "string" || !isAddress(record.contributor, { strict: false })) {
    throw new InvalidRecordError(`record ${record.id}: contributor ${JSON.stringify(record.contributor)} is not an address`, position);
  }
  const address = getAddress(record.contributor);
  addresses.set(record.contributor, address);
  return address;
}

/**
 * Adds one contribution (records in on-chain order) as a new segment and returns the new
 * snapshot. Near-duplicates of any earlier record, in this or earlier contributions, are
 * mapped to their original here, once.
 */
export function addContribution(index: DatanetIndex, records: readonly RecordInput[]): DatanetIndex {
  const shared = index.shared;
  if (shared.recordCount !== index.recordCount) throw new IndexForkedError();
  if (records.length === 0) return index;
  const contributors: Address[] = [];
  const seen = new Set<string>();
  const addresses = new Map<string, Address>();
  records.forEach((record, i) => {
    contributors.push(checkRecord(record, i, index.options.maxRecordChars, addresses));
    if (shared.recordNumbers.has(record.id) || seen.has(record.id)) throw new DuplicateRecordIdError(record.id);
    seen.add(record.id);
  });

  // Tokenize into one stream; new terms get the next ids (first-seen order), so building in one
  // go or contribution by contribution gives the same ids.
  const { termIds, terms, asciiTerms } = shared;
  const normalize = behaviourOf(index.options.engine).normalizeTerms;
  let tokens: Int32Array = new Int32Array(Math.max(16, estimateTokens(records)));
  let length = 0;
  const recordStarts = new Int32Array(records.length + 1);
  const fp = Uint32Array.from(index.fingerprint);
  let vocabFp0 = fp[0];
  let vocabFp1 = fp[1];
  const push = (term: string): void => {
    let id = termIds.get(term);
    if (id === undefined) {
      id = terms.length;
      termIds.set(term, id);
      terms.push(term);
      asciiTerms.add(term, id);
      vocabFp0 = mix32(vocabFp0, hashString(term, 1));
      vocabFp1 = mix32(vocabFp1, hashString(term, 2));
    }
    if (length === tokens.length) tokens = grow(tokens);
    tokens[length++] = id;
  };
  const pushAscii = (text: string, start: number, end: number, hash: number): void => {
    const id = asciiTerms.find(text, start, end, hash);
    if (id === 0) {
      push(text.slice(start, end).toLowerCase());
      return;
    }
    if (length === tokens.length) tokens = grow(tokens);
    tokens[length++] = id;
  };
  for (let r = 0; r < records.length; r++) {
    recordStarts[r] = length;
    scanTokens(records[r].text, push, pushAscii, normalize);
    if (length === tokens.length) tokens = grow(tokens);
    tokens[length++] = SEPARATOR;
  }
  recordStarts[records.length] = length;
  tokens = tokens.slice(0, length);
  const vocabularySize = terms.length;

  const segment = buildSegment(index.recordCount, tokens, recordStarts, vocabularySize);

  // Per-term record counts (BM25 df) for the new snapshot.
  const termRecordCounts = new Uint32Array(vocabularySize);
  termRecordCounts.set(index.termRecordCounts);
  countTermRecords(termRecordCounts, segment);

  const next: DatanetIndex = {
    options: index.options,
    segments: [...index.segments, segment],
    recordCount: index.recordCount + records.length,
    tokenCount: index.tokenCount + length - records.length,
    vocabularySize,
    termRecordCounts,
    fingerprint: fp,
    shared,
  };

  // Register records and detect duplicates in on-chain order.
  ensureOriginalCapacity(shared, next.recordCount);
  const scratch = new KeyScratch(next.recordCount);
  shared.exact.reserve(records.length);
  shared.bands.reserve(records.length * LSH_BANDS);
  // About 2 / (W + 1) of the tokens are kept grams (W = 6 at the default run of 12).
  shared.grams?.reserve(Math.ceil(length / 3));
  for (let r = 0; r < records.length; r++) {
    const global = index.recordCount + r;
    shared.records.push({ id: records[r].id, contributor: contributors[r] });
    shared.recordNumbers.set(records[r].id, global);
    const own = recordTokens(segment, r);
    const keys = recordKeys(own, index.options.shingleTokens, scratch);
    fp[2] = mix32(mix32(mix32(fp[2], hashString(records[r].id, 3)), hashString(contributors[r], 4)), keys.exact);
    fp[3] = mix32(fp[3], hashTokens(own, 0, own.length, 0x7654321));
    shared.original[global] = findOriginal(next, own, keys, global, scratch);
    if (shared.grams) {
      const prints = winnow(own, index.options.containmentSpanTokens);
      if (shared.original[global] === global) shared.original[global] = containedIn(next, own, prints, global);
      shared.grams.add(global, prints);
    }
    registerRecordKeys(shared, global, keys);
  }
  fp[0] = vocabFp0;
  fp[1] = vocabFp1;
  shared.recordCount = next.recordCount;
  return next;
}

/** The keys a record is matched by: whole-sequence hash, shingle hashes and LSH band keys. */
export type RecordKeys = { exact: number; shingles: Uint32Array; bands: Uint32Array };

/**
 * Buffers reused from one record to the next while a batch of records gets its keys and is
 * checked for duplicates: thousands of small typed arrays per batch would each be a separate
 * allocation for the garbage collector to track.
 */
export class KeyScratch {
  shingles = new Uint32Array(256);
  candidateShingles = new Uint32Array(256);
  bands = new Uint32Array(LSH_BANDS);
  readonly own = new ShingleSet();
  /** checkedBy[r]: the last record compared with record r, so that each candidate is compared once. */
  readonly checkedBy: Int32Array;

  constructor(recordCount: number) {
    this.checkedBy = new Int32Array(recordCount).fill(-1);
  }
}

/**
 * Computes a record's duplicate-detection keys from its token ids; with `scratch`, the shingles
 * and bands are views of its buffers, valid until the next call.
 */
export function recordKeys(own: Int32Array, shingleTokens: number, scratch?: KeyScratch): RecordKeys {
  if (scratch && scratch.shingles.length < own.length) scratch.shingles = new Uint32Array(own.length * 2);
  const shingles = shingleHashes(own, shingleTokens, scratch?.shingles);
  return { exact: hashTokens(own, 0, own.length, 0x1234567), shingles, bands: bandKeys(shingles, scratch?.bands) };
}

/** Registers a record's keys so that later records can be matched against it. */
export function registerRecordKeys(shared: SharedTables, record: number, keys: RecordKeys): void {
  shared.exact.insert(keys.exact, record);
  for (let b = 0; b < keys.bands.length; b++) shared.bands.insert(keys.bands[b], record);
}

/** Adds, for each term, the number of the segment's records that contain it. */
export function countTermRecords(counts: Uint32Array, segment: Segment): void {
  const lastRecord = new Int32Array(counts.length).fill(-1);
  const { tokens, recordStarts } = segment;
  for (let r = 0; r + 1 < recordStarts.length; r++) {
    for (let p = recordStarts[r]; p < recordStarts[r + 1] - 1; p++) {
      const t = tokens[p];
      if (lastRecord[t] !== r) {
        lastRecord[t] = r;
        counts[t]++;
      }
    }
  }
}

function findOriginal(index: DatanetIndex, own: Int32Array, keys: RecordKeys, global: number, scratch: KeyScratch): number {
  if (own.length === 0) return global;
  const { exact, bands, original } = index.shared;
  let best = global;
  for (let e = exact.first(keys.exact); e !== -1; e = exact.nextEntry(e)) {
    const candidate = exact.valueOf(e);
    if (candidate < global && original[candidate] < best && sameTokens(recordTokensOf(index, candidate), own)) best = original[candidate];
  }
  if (best !== global) return best;
  const { checkedBy } = scratch;
  // The record's own shingle set is built once, and only when some band has a candidate.
  let ownLoaded = false;
  for (let b = 0; b < keys.bands.length; b++) {
    for (let e = bands.first(keys.bands[b]); e !== -1; e = bands.nextEntry(e)) {
      const candidate = bands.valueOf(e);
      if (candidate >= global || checkedBy[candidate] === global) continue;
      checkedBy[candidate] = global;
      if (original[candidate] >= best) continue;
      if (!ownLoaded) {
        scratch.own.load(keys.shingles);
        ownLoaded = true;
      }
      const tokens = recordTokensOf(index, candidate);
      if (scratch.candidateShingles.length < tokens.length) scratch.candidateShingles = new Uint32Array(tokens.length * 2);
      const other = shingleHashes(tokens, index.options.shingleTokens, scratch.candidateShingles);
      if (scratch.own.jaccard(other) >= index.options.nearDuplicateJaccard) best = original[candidate];
    }
  }
  return best;
}

// Version 2: the original of a record covered at least `copyContainment` by earlier records is the
// original of the record it draws most from (ties: the earliest); otherwise the record itself.
function containedIn(index: DatanetIndex, own: Int32Array, prints: ReturnType<typeof winnow>, global: number): number {
  const { options, shared } = index;
  const found = containmentOf(own, prints, global, shared.grams!, options.containmentSpanTokens, (r) => recordTokensOf(index, r));
  if (found.tokens === 0 || found.covered < options.copyContainment * found.tokens) return global;
  return shared.original[found.sources[0].record];
}

/** The gram table of an index, built from its records on first use when the index did not keep one (version 1). */
export function gramTableOf(index: DatanetIndex): GramTable {
  const shared = index.shared;
  if (!shared.grams) shared.grams = new GramTable();
  const table = shared.grams;
  for (let r = table.registered; r < shared.recordCount; r++)
    table.add(r, winnow(recordTokensOf(index, r), index.options.containmentSpanTokens));
  return table;
}

function sameTokens(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function ensureOriginalCapacity(shared: SharedTables, count: number): void {
  if (shared.original.length >= count) return;
  const bigger = new Int32Array(Math.max(count, shared.original.length * 2));
  bigger.set(shared.original);
  shared.original = bigger;
}

function estimateTokens(records: readonly RecordInput[]): number {
  let chars = 0;
  for (const r of records) chars += r.text.length;
  return Math.ceil(chars / 5) + records.length;
}

function grow(tokens: Int32Array): Int32Array {
  const bigger = new Int32Array(tokens.length * 2);
  bigger.set(tokens);
  return bigger;
}

/** The segment holding global record `record`. */
export function segmentOfRecord(index: DatanetIndex, record: number): Segment {
  const segs = index.segments;
  let lo = 0;
  let hi = segs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segs[mid].firstRecord <= record) lo = mid;
    else hi = mid - 1;
  }
  return segs[lo];
}

/** Token ids of global record `record`. */
export function recordTokensOf(index: DatanetIndex, record: number): Int32Array {
  const segment = segmentOfRecord(index, record);
  return recordTokens(segment, record - segment.firstRecord);
}

/** The record with global number `record` (on-chain order). */
export function recordAt(index: DatanetIndex, record: number): IndexedRecord {
  if (record < 0 || record >= index.recordCount) throw new RangeError(`no record ${record}`);
  return index.shared.records[record];
}

/** Global number of the record with id `id`, or -1 when this snapshot has no such record. */
export function recordNumber(index: DatanetIndex, id: string): number {
  const n = index.shared.recordNumbers.get(id);
  return n === undefined || n >= index.recordCount ? -1 : n;
}

/** Global number of the earliest record that record `record` copies (itself for an original). */
export function originalOf(index: DatanetIndex, record: number): number {
  return index.shared.original[record];
}

/** Term id of a normalized term in this snapshot, or -1. */
export function termId(index: DatanetIndex, term: string): number {
  const id = index.shared.termIds.get(term);
  return id === undefined || id >= index.vocabularySize ? -1 : id;
}

/** The normalized term of a term id. */
export function termOf(index: DatanetIndex, id: number): string {
  return index.shared.terms[id];
}

/** Token ids of `text` against this snapshot's vocabulary (-1 for unknown terms), with offsets. */
export function encodeText(index: DatanetIndex, text: string): { ids: Int32Array; starts: Int32Array; ends: Int32Array } {
  const ids: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  scanTokens(
    text,
    (term, start, end) => {
      ids.push(termId(index, term));
      starts.push(start);
      ends.push(end);
    },
    undefined,
    behaviourOf(index.options.engine).normalizeTerms,
  );
  return { ids: Int32Array.from(ids), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/** True when the index has more segments than its merge policy allows. */
export function needsMerge(index: DatanetIndex): boolean {
  return index.segments.length > index.options.maxSegments;
}

/**
 * Merges segments and returns the new snapshot. By default it follows the merge policy (merge
 * the adjacent pair with the fewest tokens until at most `maxSegments` remain); with
 * `{ all: true }` it merges everything into one segment, which gives exactly the index a fresh
 * build of the same records would give. Pure and deterministic: run it in the background and
 * swap the snapshot in when it returns.
 */
export function mergeSegments(index: DatanetIndex, options: { all?: boolean } = {}): DatanetIndex {
  const target = options.all ? 1 : index.options.maxSegments;
  if (index.segments.length <= target) return index;
  let segments = [...index.segments];
  if (options.all) {
    segments = [mergeSegmentRun(segments, index.vocabularySize)];
  } else {
    while (segments.length > target) {
      let best = 0;
      for (let i = 1; i + 1 < segments.length; i++) {
        const size = segments[i].tokens.length + segments[i + 1].tokens.length;
        if (size < segments[best].tokens.length + segments[best + 1].tokens.length) best = i;
      }
      segments.splice(best, 2, mergeSegmentRun([segments[best], segments[best + 1]], index.vocabularySize));
    }
  }
  return { ...index, segments };
}

const snapshotCache = new WeakMap<DatanetIndex, Hex>();

// The options that change what an index holds (not merge policy, input limits or warnings);
// version 1 names only its own two, as it always did.
function identifyingOptions(options: IndexOptions): Record<string, unknown> {
  const { shingleTokens, nearDuplicateJaccard } = options;
  if (options.engine === ENGINE_VERSION_1) return { shingleTokens, nearDuplicateJaccard };
  const { engine, containmentSpanTokens, copyContainment } = options;
  return { shingleTokens, nearDuplicateJaccard, engine, containmentSpanTokens, copyContainment };
}

/**
 * The snapshot id: keccak256 of the canonical JSON of the index format, options, counts and
 * content fingerprint. It identifies a snapshot (same records in the same order -> same id,
 * however they were added or merged); the records themselves are authenticated by the
 * contributions' Merkle roots on chain.
 */
export function snapshotId(index: DatanetIndex): Hex {
  let id = snapshotCache.get(index);
  if (!id) {
    id = hashText(
      canonicalJson({
        format: INDEX_FORMAT,
        // Only the options that change what the index holds (not merge policy or input limits).
        options: identifyingOptions(index.options),
        records: index.recordCount,
        tokens: index.tokenCount,
        vocabulary: index.vocabularySize,
        fingerprint: hex32(...index.fingerprint),
      }),
    );
    snapshotCache.set(index, id);
  }
  return id;
}
