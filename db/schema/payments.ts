/**
 * Payments and settlement: signed spend permits, API keys bound to them, holds on a payer's
 * balance while an inference runs, the paid inferences with their attribution proofs, and the
 * outbox the settler drains onto the chain.
 */
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { address, bytes32, uint256 } from "./columns";

const lowercaseAddress = (column: AnyPgColumn) => sql`${column} ~ '^0x[0-9a-f]{40}$'`;

/** An EIP-712 spend permit a payer signed for the settler; the signature is what settles on chain. */
export const spendPermits = pgTable(
  "spend_permits",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    chainId: integer("chain_id").notNull(),
    market: address("market").notNull(),
    payer: address("payer").notNull(),
    /** The settler named in the permit. */
    spender: address("spender").notNull(),
    cap: uint256("cap").notNull(),
    /** Unix seconds. */
    expiry: uint256("expiry").notNull(),
    nonce: uint256("nonce").notNull(),
    signature: text("signature").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One (payer, nonce) names one permit on a market, as on chain.
    uniqueIndex("spend_permits_nonce_unique").on(t.chainId, t.market, t.payer, t.nonce),
    index("spend_permits_payer_idx").on(t.payer, t.createdAt),
    check("spend_permits_payer_hex", lowercaseAddress(t.payer)),
    check("spend_permits_cap_positive", sql`${t.cap} > 0`),
  ],
);

/** A programmatic client's key: only its sha-256 is kept, with a visible prefix to recognise it. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    payer: address("payer").notNull(),
    permitId: uuid("permit_id")
      .notNull()
      .references(() => spendPermits.id),
    /** The start of the key shown in listings, e.g. `upk_3f9a1c2b`. */
    prefix: text("prefix").notNull(),
    /** sha-256 of the whole key, hex. */
    keyHash: text("key_hash").notNull(),
    label: text("label").notNull(),
    spendCap: uint256("spend_cap").notNull(),
    /** Price of the inferences committed through the key and not refused on chain (a running total). */
    spent: uint256("spent").notNull().default(sql`0`),
    /** sha-256 of the creation signature, so one signature creates one key. */
    signatureHash: text("signature_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash_unique").on(t.keyHash),
    uniqueIndex("api_keys_signature_hash_unique").on(t.signatureHash),
    index("api_keys_payer_idx").on(t.payer, t.createdAt),
    check("api_keys_payer_hex", lowercaseAddress(t.payer)),
    check("api_keys_spend_cap_positive", sql`${t.spendCap} > 0`),
  ],
);

/** Life of a hold: pending while the model runs, then committed (charged) or released (not). */
export const holdStatus = pgEnum("hold_status", ["pending", "committed", "released"]);

/** Money set aside for one running inference. */
export const holds = pgTable(
  "holds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    payer: address("payer").notNull(),
    permitId: uuid("permit_id")
      .notNull()
      .references(() => spendPermits.id),
    apiKeyId: uuid("api_key_id").references(() => apiKeys.id),
    amount: uint256("amount").notNull(),
    status: holdStatus("status").notNull().default("pending"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp("closed_at", { withTimezone: true }),
  },
  (t) => [
    index("holds_payer_pending_idx").on(t.payer).where(sql`${t.status} = 'pending'`),
    index("holds_permit_pending_idx").on(t.permitId).where(sql`${t.status} = 'pending'`),
    index("holds_api_key_pending_idx").on(t.apiKeyId).where(sql`${t.status} = 'pending'`),
    check("holds_amount_nonnegative", sql`${t.amount} >= 0`),
  ],
);

/** Settlement state of a paid inference as the explorer shows it. */
export const inferenceStatus = pgEnum("inference_status", ["pending", "settled", "failed"]);

/** A paid inference with everything needed to re-check its split. */
export const inferences = pgTable(
  "inferences",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The on-chain inference id: allocated in increasing order, settled at most once. */
    settlementSeq: bigserial("settlement_seq", { mode: "bigint" }).notNull().unique("inferences_settlement_seq_unique"),
    modelId: uint256("model_id").notNull(),
    payer: address("payer").notNull(),
    permitId: uuid("permit_id")
      .notNull()
      .references(() => spendPermits.id),
    apiKeyId: uuid("api_key_id").references(() => apiKeys.id),
    holdId: uuid("hold_id")
      .notNull()
      .references(() => holds.id),
    price: uint256("price").notNull(),
    prompt: text("prompt").notNull(),
    output: text("output").notNull(),
    retrievedRecordIds: text("retrieved_record_ids").array().notNull(),
    /** The attribution proof (canonical JSON parsed; bigints as decimal strings). */
    attribution: jsonb("attribution").notNull(),
    attributionHash: bytes32("attribution_hash").notNull(),
    /** Payees and their amounts, index by index; they plus the protocol fee sum to `price`. */
    payees: text("payees").array().$type<`0x${string}`[]>().notNull(),
    amounts: uint256("amounts").array().notNull(),
    status: inferenceStatus("status").notNull().default("pending"),
    /** Why the market refused to charge it (a skip reason), when failed. */
    failureReason: text("failure_reason"),
    settlementTxHash: bytes32("settlement_tx_hash"),
    settlementBlock: bigint("settlement_block", { mode: "bigint" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    settledAt: timestamp("settled_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("inferences_hold_unique").on(t.holdId),
    index("inferences_payer_idx").on(t.payer, t.createdAt),
    index("inferences_model_idx").on(t.modelId, t.createdAt),
    // The balance checks sum what the chain had not settled at a block: pending rows, and rows
    // settled in a later block. These keep those sums from scanning a payer's whole history.
    index("inferences_payer_pending_idx").on(t.payer).where(sql`${t.status} = 'pending'`),
    index("inferences_payer_settled_block_idx").on(t.payer, t.settlementBlock),
    index("inferences_permit_pending_idx").on(t.permitId).where(sql`${t.status} = 'pending'`),
    index("inferences_permit_settled_block_idx").on(t.permitId, t.settlementBlock),
    // A payer's debts (failed rows whose skip was the payer's doing) are summed at every
    // authorization: failed rows are few, so this keeps that sum off the payer's history.
    index("inferences_payer_failed_idx").on(t.payer).where(sql`${t.status} = 'failed'`),
    check("inferences_payer_hex", lowercaseAddress(t.payer)),
  ],
);

/**
 * Life of an outbox row: pending → submitted (tx hash written before sending) → settled or failed
 * once its block has the configured confirmations; a settled or failed row whose block a reorg
 * removed goes back to submitted. A row the settler cannot process (its batch reverts because of
 * it, or its settlement event cannot be found) is quarantined: left out of batches, still counted
 * against its payer, until an operator requeues it.
 */
export const outboxStatus = pgEnum("outbox_status", ["pending", "submitted", "settled", "failed", "quarantined"]);

/** The durable queue of inferences to settle, drained in `seq` order by the settler. */
export const outbox = pgTable(
  "outbox",
  {
    /** = inferences.settlement_seq = the on-chain inference id. */
    seq: bigint("seq", { mode: "bigint" })
      .primaryKey()
      .references(() => inferences.settlementSeq),
    inferenceId: uuid("inference_id")
      .notNull()
      .references(() => inferences.id),
    status: outboxStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** The transaction that carries (or carried) the row, written before it is sent. */
    txHash: bytes32("tx_hash"),
    /** Earlier transactions for the same nonce that `txHash` replaced with a higher fee (any of them may land). */
    replacedTxHashes: text("replaced_tx_hashes").array().$type<`0x${string}`[]>().notNull().default(sql`'{}'::text[]`),
    txNonce: integer("tx_nonce"),
    /** The block (number and hash) of the event that settled or skipped the row: a reorg that removes it reopens the row. */
    blockNumber: bigint("block_number", { mode: "bigint" }),
    blockHash: bytes32("block_hash"),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp("submitted_at", { withTimezone: true }),
    settledAt: timestamp("settled_at", { withTimezone: true }),
  },
  (t) => [
    index("outbox_status_seq_idx").on(t.status, t.seq),
    index("outbox_tx_hash_idx").on(t.txHash),
    index("outbox_block_idx").on(t.blockNumber).where(sql`${t.blockNumber} is not null`),
    uniqueIndex("outbox_inference_unique").on(t.inferenceId),
  ],
);
