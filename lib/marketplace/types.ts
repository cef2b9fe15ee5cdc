import type { Address, Hex } from "viem";

/** A datanet as the marketplace lists it: on-chain facts joined with its off-chain card. */
export type DatanetSummary = {
  /** On-chain datanet id (decimal string, as in the URL). */
  id: string;
  /** Display name from the metadata. */
  name: string;
  /** One-paragraph description from the metadata. */
  description: string;
  /** License the records are published under (SPDX id or free text). */
  license: string;
  /** Where the licence's text is (for a licence "other"), or null. */
  licenseUrl: string | null;
  /** Lowercase topic tags. */
  tags: string[];
  /** The account that published the datanet and posted its stake. */
  publisher: Address;
  /** Contributions anchored on chain so far. */
  contributionCount: number;
  /** Records across those contributions. */
  recordCount: number;
  /** Distinct contributing accounts. */
  contributorCount: number;
  /** When the app recorded the datanet's publication. */
  createdAt: Date;
};

/** One anchored contribution to a datanet. */
export type ContributionSummary = {
  /** On-chain contribution id (follows on-chain order). */
  id: string;
  /** The contributing account. */
  contributor: Address;
  /** Merkle root of the contribution's record hashes. */
  merkleRoot: Hex;
  /** Records in the contribution. */
  recordCount: number;
  /** Transaction that anchored it. */
  transactionHash: Hex;
  /** When the app recorded it. */
  createdAt: Date;
};

/** One account's share of a datanet. */
export type DatanetContributor = {
  /** The contributing account. */
  contributor: Address;
  /** Its contributions to the datanet. */
  contributionCount: number;
  /** Records across them. */
  recordCount: number;
};

/** A datanet page: the summary, who contributed, its latest contributions and a few records. */
export type DatanetDetail = DatanetSummary & {
  /** Every contributor, most records first. */
  contributors: DatanetContributor[];
  /** The latest contributions, newest first (at most a page; `contributionCount` has them all). */
  contributions: ContributionSummary[];
  /** A sample of record texts, for a reader to see what the datanet holds. */
  sampleRecords: { id: string; contributor: Address; text: string }[];
  /** Models that draw on this datanet. */
  models: ModelSummary[];
};

/** A model as the marketplace lists it. */
export type ModelSummary = {
  /** On-chain model id (decimal string). */
  id: string;
  /** Display name from the model card. */
  name: string;
  /** What the model is and does, from its card. */
  description: string;
  /** The account that owns the model and receives its share. */
  owner: Address;
  /** Where answers come from, for people: "built-in engine" or "OpenAI-compatible: <model>". */
  backend: string;
  /** Price of one inference, in token base units. */
  pricePerCall: bigint;
  /** Owner's share of each price in basis points; the rest goes to the data pool (after the fee). */
  ownerShareBps: number;
  /** Datanets the model retrieves from. */
  datanetIds: string[];
  /** Active models accept inferences; paused or retired ones do not (the newer of the indexer's and the database's word). */
  status: "active" | "paused" | "retired";
  /** Version number of the last price/split/status update. */
  version: number;
  /** Paid inferences served so far. */
  inferenceCount: number;
};

/** A model page: the summary plus the datanets it uses and its latest inferences. */
export type ModelDetail = ModelSummary & {
  /** The model card (plain text / Markdown source): what it is, what it draws on, its limits. */
  modelCard: string;
  /** Who its card says is paid the part of the data pool its records do not explain ("owner" when it says nothing). */
  unexplainedPool: "owner" | "treasury";
  /** An external backend asked even when nothing in the datanets matches the question (charged); else such a question is free. */
  answersWithoutRecords: boolean;
  /** Extra backend calls per answer for context ablation (one per retrieved record, the owner's cost); 0 when off. */
  ablationCalls: number;
  /** The datanets behind `datanetIds`, in that order (missing ones left out). */
  datanets: DatanetSummary[];
  /** What its settled inferences were charged in total, in token base units. */
  revenue: bigint;
  /** Latest inferences of this model. */
  recentInferences: InferenceSummary[];
};

/** One paid inference as the explorer lists it. */
export type InferenceSummary = {
  /** The on-chain inference id (its settlement key), decimal. */
  id: string;
  /** The model that answered. */
  modelId: string;
  /** Model name, when known. */
  modelName: string | null;
  /** The paying account. */
  payer: Address;
  /** Price charged, in token base units. */
  price: bigint;
  /** Payees credited by the split. */
  payeeCount: number;
  /** Hash of the canonical attribution proof. */
  attributionHash: Hex;
  /** Settled on chain (with its transaction), waiting in the outbox, or refused by the market (with why). */
  settlement: { status: "settled"; transactionHash: Hex | null } | { status: "pending" } | { status: "failed"; reason: string | null };
  /** When the inference was served. */
  createdAt: Date;
};
