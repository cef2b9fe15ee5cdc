/**
 * What the indexer keeps: one table per thing the chain knows (datanets, contributions, models
 * and their versions, stakes, deposits, settlements, per-payee credits and earnings, claims,
 * fees, settings, roles). Amounts are uint256 (bigint); times are unix seconds.
 */
import { index, onchainEnum, onchainTable, primaryKey } from "ponder";

/** What a stake is posted for. */
export const stakeSubject = onchainEnum("stake_subject", ["datanet", "model"]);
/** A model's lifecycle, as in the Registry. */
export const modelStatus = onchainEnum("model_status", ["active", "paused", "retired"]);
/** A change of a stake. */
export const stakeEventKind = onchainEnum("stake_event_kind", [
  "posted",
  "unstake_requested",
  "withdrawn",
  "slash_proposed",
  "slash_cancelled",
  "slashed",
]);
/** A change of a payer's deposit. */
export const depositEventKind = onchainEnum("deposit_event_kind", [
  "deposit",
  "withdrawal_requested",
  "withdrawal_cancelled",
  "withdrawal",
]);

export const datanet = onchainTable("datanet", (t) => ({
  id: t.bigint().primaryKey(),
  owner: t.hex().notNull(),
  metadataUri: t.text().notNull(),
  license: t.text().notNull(),
  stake: t.bigint().notNull(),
  /** No longer takes contributions (unstake requested or slashed). */
  closed: t.boolean().notNull(),
  contributionCount: t.integer().notNull(),
  recordCount: t.bigint().notNull(),
  contributorCount: t.integer().notNull(),
  createdAt: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
  txHash: t.hex().notNull(),
}));

export const contribution = onchainTable(
  "contribution",
  (t) => ({
    id: t.bigint().primaryKey(),
    datanetId: t.bigint().notNull(),
    contributor: t.hex().notNull(),
    merkleRoot: t.hex().notNull(),
    recordCount: t.bigint().notNull(),
    /** Registry record ids firstRecordId .. firstRecordId + recordCount - 1. */
    firstRecordId: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ datanetIdx: index().on(table.datanetId), contributorIdx: index().on(table.contributor) }),
);

/** One contributor's share of a datanet, so contributor counts need no scan. */
export const datanetContributor = onchainTable(
  "datanet_contributor",
  (t) => ({
    datanetId: t.bigint().notNull(),
    contributor: t.hex().notNull(),
    contributionCount: t.integer().notNull(),
    recordCount: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.datanetId, table.contributor] }) }),
);

/** A model with its current terms (the latest version). */
export const model = onchainTable(
  "model",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    metadataUri: t.text().notNull(),
    backendId: t.text().notNull(),
    datanetIds: t.bigint().array().notNull(),
    pricePerCall: t.bigint().notNull(),
    ownerBps: t.integer().notNull(),
    status: modelStatus("status").notNull(),
    version: t.integer().notNull(),
    stake: t.bigint().notNull(),
    inferenceCount: t.integer().notNull(),
    /** Sum of the prices of its settled inferences. */
    revenue: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ ownerIdx: index().on(table.owner) }),
);

/** Every version of a model's terms, version 1 being the publication. */
export const modelVersion = onchainTable(
  "model_version",
  (t) => ({
    modelId: t.bigint().notNull(),
    version: t.integer().notNull(),
    pricePerCall: t.bigint().notNull(),
    ownerBps: t.integer().notNull(),
    status: modelStatus("status").notNull(),
    createdAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.modelId, table.version] }) }),
);

/** The stake behind a datanet or a model. */
export const stake = onchainTable(
  "stake",
  (t) => ({
    subject: stakeSubject("subject").notNull(),
    subjectId: t.bigint().notNull(),
    staker: t.hex().notNull(),
    posted: t.bigint().notNull(),
    slashed: t.bigint().notNull(),
    withdrawn: t.bigint().notNull(),
    /** When an unstake was requested: the time it can be withdrawn. */
    unlockAt: t.bigint(),
    /** A proposed slash not yet executed or cancelled: its amount (it lapses on chain after SLASH_WINDOW). */
    slashPending: t.bigint(),
    /** When the proposed slash can be executed: the staker's warning. */
    slashExecutableAt: t.bigint(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.subject, table.subjectId] }) }),
);

export const stakeEvent = onchainTable(
  "stake_event",
  (t) => ({
    id: t.text().primaryKey(),
    kind: stakeEventKind("kind").notNull(),
    subject: stakeSubject("subject").notNull(),
    subjectId: t.bigint().notNull(),
    staker: t.hex(),
    amount: t.bigint().notNull(),
    /** Why a stake was slashed (a dispute reference). */
    reason: t.hex(),
    createdAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ subjectIdx: index().on(table.subject, table.subjectId) }),
);

/** A payer's deposit in the market. */
export const payer = onchainTable("payer", (t) => ({
  address: t.hex().primaryKey(),
  /** Current deposit: deposited - withdrawn - charged. */
  balance: t.bigint().notNull(),
  deposited: t.bigint().notNull(),
  withdrawn: t.bigint().notNull(),
  charged: t.bigint().notNull(),
  /** The pending withdrawal request, if any. */
  withdrawalAmount: t.bigint(),
  withdrawalReadyAt: t.bigint(),
  updatedAt: t.bigint().notNull(),
}));

export const depositEvent = onchainTable(
  "deposit_event",
  (t) => ({
    id: t.text().primaryKey(),
    payer: t.hex().notNull(),
    kind: depositEventKind("kind").notNull(),
    amount: t.bigint().notNull(),
    readyAt: t.bigint(),
    createdAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ payerIdx: index().on(table.payer) }),
);

/** One settled inference. `ordinal` orders settlements chain-wide (block, log index). */
export const settlement = onchainTable(
  "settlement",
  (t) => ({
    inferenceId: t.bigint().primaryKey(),
    payer: t.hex().notNull(),
    /** Nonce of the payer's permit the inference was charged under. */
    permitNonce: t.bigint().notNull(),
    modelId: t.bigint().notNull(),
    price: t.bigint().notNull(),
    fee: t.bigint().notNull(),
    attributionHash: t.hex().notNull(),
    payeeCount: t.integer().notNull(),
    ordinal: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    ordinalIdx: index().on(table.ordinal),
    payerIdx: index().on(table.payer, table.ordinal),
    modelIdx: index().on(table.modelId, table.ordinal),
  }),
);

/** What one inference credited one payee. `ordinal` adds the payout's position to the settlement's. */
export const credit = onchainTable(
  "credit",
  (t) => ({
    inferenceId: t.bigint().notNull(),
    payee: t.hex().notNull(),
    modelId: t.bigint().notNull(),
    amount: t.bigint().notNull(),
    ordinal: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.inferenceId, table.payee] }), payeeIdx: index().on(table.payee, table.ordinal) }),
);

/** A payee's running earnings; claimable = earned - claimed. */
export const payee = onchainTable("payee", (t) => ({
  address: t.hex().primaryKey(),
  earned: t.bigint().notNull(),
  claimed: t.bigint().notNull(),
  inferenceCount: t.integer().notNull(),
  lastCreditAt: t.bigint(),
}));

export const claim = onchainTable(
  "claim",
  (t) => ({
    id: t.text().primaryKey(),
    payee: t.hex().notNull(),
    amount: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ payeeIdx: index().on(table.payee) }),
);

/** An inference a batch skipped (nothing was charged); `reason` is the contract's SkipReason. */
export const skippedInference = onchainTable(
  "skipped_inference",
  (t) => ({
    id: t.text().primaryKey(),
    inferenceId: t.bigint().notNull(),
    payer: t.hex().notNull(),
    reason: t.text().notNull(),
    createdAt: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ inferenceIdx: index().on(table.inferenceId) }),
);

export const settlementBatch = onchainTable("settlement_batch", (t) => ({
  id: t.text().primaryKey(),
  settler: t.hex().notNull(),
  settled: t.integer().notNull(),
  skipped: t.integer().notNull(),
  charged: t.bigint().notNull(),
  fees: t.bigint().notNull(),
  createdAt: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
  txHash: t.hex().notNull(),
}));

/** How much of a spend permit has been charged. */
export const permitSpend = onchainTable(
  "permit_spend",
  (t) => ({
    payer: t.hex().notNull(),
    nonce: t.bigint().notNull(),
    spent: t.bigint().notNull(),
    cap: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.payer, table.nonce] }) }),
);

export const feeCollection = onchainTable("fee_collection", (t) => ({
  id: t.text().primaryKey(),
  treasury: t.hex().notNull(),
  amount: t.bigint().notNull(),
  createdAt: t.bigint().notNull(),
  txHash: t.hex().notNull(),
}));

/** One row per contract ("registry", "market"): its settings and running totals. */
export const protocol = onchainTable("protocol", (t) => ({
  contract: t.text().primaryKey(),
  treasury: t.hex(),
  feeBps: t.integer(),
  withdrawalDelay: t.bigint(),
  minDatanetStake: t.bigint(),
  minModelStake: t.bigint(),
  unstakeDelay: t.bigint(),
  settledCount: t.integer().notNull(),
  volume: t.bigint().notNull(),
  feesAccrued: t.bigint().notNull(),
  feesCollected: t.bigint().notNull(),
}));

/** Who holds which access-control role on which contract. */
export const role = onchainTable(
  "role",
  (t) => ({
    contract: t.text().notNull(),
    role: t.hex().notNull(),
    account: t.hex().notNull(),
    active: t.boolean().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.contract, table.role, table.account] }) }),
);
