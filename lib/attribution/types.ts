/**
 * Public types of the attribution engine. Everything here is plain data: an `Attribution` and
 * its proof serialize to canonical JSON, and amounts are `bigint` in the payment token's
 * smallest unit.
 */

import type { EngineVersion } from "./versions";

/** A 0x-prefixed 20-byte EVM address. */
export type Address = `0x${string}`;

/** A 0x-prefixed hex string (hashes). */
export type Hex = `0x${string}`;

/** One record of a datanet as it enters the index, in on-chain order. */
export type RecordInput = {
  /** Stable id of the record (unique within the index). */
  id: string;
  /** Address of the wallet that contributed the record; it is paid for the record's credit. */
  contributor: Address;
  /** The record's text. */
  text: string;
};

/** Settings fixed when an index is created; they are part of its snapshot id. */
export type IndexOptions = {
  /**
   * The engine version whose index-level behaviours the index follows (term normalisation,
   * containment copies). Default the newest; Verify builds with the stored proof's. A version 1
   * index has the snapshot id and bytes it had before versions existed.
   */
  engine: EngineVersion;
  /** Words per shingle for near-duplicate detection. Default 3. */
  shingleTokens: number;
  /** Jaccard similarity of shingle sets at or above which a later record is a near-copy. Default 0.7. */
  nearDuplicateJaccard: number;
  /** Merge policy: `mergeSegments` keeps at most this many segments. Default 8. */
  maxSegments: number;
  /** Largest accepted record text in UTF-16 code units. Default 4,000,000 (~4 MB of ASCII). */
  maxRecordChars: number;
  /** Version 2: shortest shared run (tokens) that counts towards containment. Default 12. */
  containmentSpanTokens: number;
  /** Version 2: a record at least this share covered by earlier records is a copy. Default 0.8. */
  copyContainment: number;
  /** `checkContribution`: at least this share covered (below `copyContainment`) is a near-copy. Default 0.5. */
  nearCopyContainment: number;
};

/** How an attribution turns matches into credit; part of every proof. */
export type AttributionPolicy = {
  /** Shortest matched span (in tokens) that earns credit. Default 6. */
  minSpanTokens: number;
  /**
   * A span found in more than max(commonMinRecords, commonRecordFraction × records) distinct
   * original records is "common" and worth nothing. Default fraction 0.02.
   */
  commonRecordFraction: number;
  /** See `commonRecordFraction`. Default 20. */
  commonMinRecords: number;
  /** Weight of context influence against span credit when both exist, in [0, 1]. Default 0.5. */
  contextWeight: number;
  /** A record whose final share of credit is below this fraction gets nothing. Default 0.01. */
  minInfluence: number;
  /** Optional cap on one contributor's share of the contributors' pool, in basis points. */
  maxContributorShareBps?: number;
  /**
   * Engine version 2: who is paid the part of the contributors' pool that the data does not
   * explain (plus what the cap and `minInfluence` hold back), as the model's terms declare it.
   * Default "owner". Absent from version-1 proofs.
   */
  unexplainedPool?: UnexplainedPoolPolicy;
  /**
   * Version 2: keccak256 of the reference English the spans were judged against
   * (`informativeness.ts`); filled in by the engine, and a recomputation with another fails.
   */
  reference?: Hex;
};

/**
 * Recipients of the unexplained pool: "owner" (the model's owner) or "treasury" (an address the
 * caller names, e.g. the deployment's treasury). There is deliberately no "contributors" or
 * "top retrieved record": renormalising onto the credited records pays them for what they did
 * not explain, and whatever retrieval ranks highest can be captured by keyword stuffing.
 */
export type UnexplainedPoolPolicy = "owner" | "treasury";

/** A retrieved record's influence as measured by a model backend (e.g. log-prob drop when left out). */
export type BackendInfluence = {
  /** Record id (must be one of the context records). */
  id: string;
  /** Non-negative influence in any unit; negative values count as 0. */
  influence: number;
};

/** A maximal matched span of the output and who is credited for it. */
export type Span = {
  /** First output token of the span. */
  start: number;
  /** One past the last output token of the span. */
  end: number;
  /** UTF-16 offset of the span in the output text. */
  charStart: number;
  /** UTF-16 offset just after the span in the output text. */
  charEnd: number;
  /** Output tokens for which this span is the longest covering match (its credited length). */
  tokens: number;
  /** Distinct original (non-duplicate) records that contain the span (counting stops past the common threshold). */
  recordCount: number;
  /** True when the span is common (found in too many records) and so worth nothing. */
  common: boolean;
  /** Version 2: true when the span is ordinary English (frequent in the reference) and so worth nothing. */
  ordinary?: boolean;
  /** Version 2: the credited tokens that earn (not inside a frequent reference phrase, not repeating the prompt). */
  earning?: number;
  /** Credit of the span: tokens × rarity; shared equally by `records`. */
  value: number;
  /**
   * Original records credited for the span (empty when common). Version 1: every holder; version
   * 2: the records its credited tokens went to (the earliest holder of a match covering each).
   */
  records: string[];
  /**
   * Engine version 2: a gapped match (a chain of exact pieces of one record with a few words
   * between; `start`..`end` runs from its first piece to its last). Absent for exact spans.
   */
  gapped?: true;
};

/** Final credit of one record. */
export type RecordScore = {
  /** Record id. */
  id: string;
  /** Contributor paid for this record. */
  contributor: Address;
  /** Credit from matched spans, in output tokens. */
  spanCredit: number;
  /** Influence as a retrieved context record (span leave-one-out or backend-measured). */
  contextInfluence: number;
  /**
   * Final share of the contributors' pool in [0, 1] (0 below the minimum influence). Version 1:
   * the shares sum to 1; version 2: they sum to the part of the output the data explains.
   */
  score: number;
};

/** A record that was found to copy an earlier one. */
export type DuplicateCredit = {
  /** The later record (gets nothing). */
  id: string;
  /** The earliest record of its duplicate chain (gets the credit). */
  original: string;
};

/** One payee of the split. */
export type SplitPart = {
  /**
   * Who this part is for. "unexplained" (engine version 2) is the part of the contributors' pool
   * the data did not explain, paid to the recipient of the declared `unexplainedPool` policy.
   */
  role: "contributor" | "owner" | "protocol" | "unexplained";
  /** Payee address (absent for the protocol fee, which the market contract keeps). */
  address?: Address;
  /** Amount in the payment token's smallest unit. */
  amount: bigint;
};

/** The canonical record of one attribution; its keccak256 is the attribution hash. */
export type AttributionProof = {
  /** Engine version that produced the proof. */
  engine: string;
  /** The policy in force, with defaults filled in. */
  policy: AttributionPolicy;
  /** The index snapshot the output was matched against. */
  index: { snapshot: Hex; records: number; tokens: number };
  /** Hashes and parameters of the inputs. */
  input: {
    promptHash: Hex;
    outputHash: Hex;
    outputTokens: number;
    context: string[];
    contextInfluence: BackendInfluence[] | null;
    price: bigint;
    ownerShareBps: number;
    protocolFeeBps: number;
    owner: Address;
    /** Version 2: the payer, when given; as a contributor it is paid no data-pool share (wash trading). */
    payer?: Address | null;
  };
  /** Maximal matched spans of at least the minimum length, in output order. */
  spans: Span[];
  /** Credited copies and the originals that took their credit. */
  duplicates: DuplicateCredit[];
  /** Records with any credit or influence, by descending score then id. */
  records: RecordScore[];
  /** The exact split of the price: protocol, owner, (version 2) unexplained, then contributors by address. */
  split: SplitPart[];
};

/** Result of `attribute`. */
export type Attribution = {
  /** keccak256 of the canonical JSON of `proof`. */
  hash: Hex;
  /** The full computation. */
  proof: AttributionProof;
};

/** Result of `verifyAttribution`. */
export type VerifyResult = {
  /** True when recomputing gives the same canonical proof and hash. */
  valid: boolean;
  /** The hash recomputed from the input. */
  hash: Hex;
  /** Top-level proof fields that differ (empty when valid). */
  differences: string[];
};
