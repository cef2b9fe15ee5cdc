/**
 * The off-chain half of the marketplace: what the chain anchors but does not hold. Ids are the
 * on-chain ids, so a row and its on-chain counterpart are the same thing under one key.
 */
import { type SQL, sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { address, bytes32, tsvector, uint256 } from "./columns";

/**
 * The words of a text[] of tags for a search document. `array_to_string` is only stable (it may
 * not appear in a generated column); a tsvector printed as text is immutable and lists the tags
 * quoted, which `to_tsvector` reads as words again, stemmed like the query.
 */
const tagWords = (column: AnyPgColumn) => sql`to_tsvector('english', array_to_tsvector(${column})::text)`;

// Lowercase hex only, so that the app compares addresses and hashes as plain strings.
const lowercaseAddress = (column: AnyPgColumn) => sql`${column} ~ '^0x[0-9a-f]{40}$'`;
const lowercaseBytes32 = (column: AnyPgColumn) => sql`${column} ~ '^0x[0-9a-f]{64}$'`;

/** A named corpus that many contributors add records to; published on chain with a stake. */
export const datanets = pgTable(
  "datanets",
  {
    /** The Registry's datanet id. */
    id: uint256("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** SPDX id or a short licence name, e.g. "CC0-1.0" or "public domain"; "other" with `licenseUrl`. */
    license: text("license").notNull(),
    /** Where the licence's text is, for a licence outside the SPDX list. */
    licenseUrl: text("license_url"),
    /** Lowercase topic tags for browsing and search, e.g. {"speeches", "history"}. */
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    owner: address("owner").notNull(),
    metadataUri: text("metadata_uri").notNull(),
    /** The publishing transaction. */
    txHash: bytes32("tx_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Full-text search document: name (weight A), tags (B), description (C); English stemming. */
    search: tsvector("search")
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`setweight(to_tsvector('english', ${datanets.name}), 'A') || setweight(${tagWords(datanets.tags)}, 'B') || setweight(to_tsvector('english', ${datanets.description}), 'C')`,
      ),
  },
  (t) => [
    check("datanets_owner_hex", lowercaseAddress(t.owner)),
    check("datanets_tx_hash_hex", lowercaseBytes32(t.txHash)),
    index("datanets_search_idx").using("gin", t.search),
  ],
);

/** A batch of records added to a datanet by one contributor; its Merkle root is anchored on chain. */
export const contributions = pgTable(
  "contributions",
  {
    /** The Registry's contribution id, which follows on-chain order: a lower id came first. */
    id: uint256("id").primaryKey(),
    datanetId: uint256("datanet_id")
      .notNull()
      .references(() => datanets.id),
    contributor: address("contributor").notNull(),
    merkleRoot: bytes32("merkle_root").notNull(),
    recordCount: integer("record_count").notNull(),
    txHash: bytes32("tx_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("contributions_datanet_idx").on(t.datanetId, t.id),
    check("contributions_contributor_hex", lowercaseAddress(t.contributor)),
    check("contributions_merkle_root_hex", lowercaseBytes32(t.merkleRoot)),
    check("contributions_tx_hash_hex", lowercaseBytes32(t.txHash)),
    check("contributions_record_count_positive", sql`${t.recordCount} > 0`),
  ],
);

/**
 * One record's text. Its key (contribution id, position) is also its on-chain order, so the
 * earliest publisher of a text is the smallest key among the records with its hash.
 */
export const records = pgTable(
  "records",
  {
    contributionId: uint256("contribution_id")
      .notNull()
      .references(() => contributions.id),
    /** Index of the record in its contribution (0-based), the leaf order of the Merkle tree. */
    position: integer("position").notNull(),
    /** Copied from the contribution so that per-datanet reads need no join. */
    datanetId: uint256("datanet_id")
      .notNull()
      .references(() => datanets.id),
    contributor: address("contributor").notNull(),
    text: text("text").notNull(),
    /** keccak256 of the record, the Merkle leaf input. */
    hash: bytes32("hash").notNull(),
    /** Full-text search document of `text` (English stemming), for searching a datanet's records. */
    search: tsvector("search")
      .notNull()
      .generatedAlwaysAs((): SQL => sql`to_tsvector('english', ${records.text})`),
  },
  (t) => [
    primaryKey({ columns: [t.contributionId, t.position] }),
    index("records_datanet_idx").on(t.datanetId, t.contributionId, t.position),
    index("records_hash_idx").on(t.hash, t.contributionId, t.position),
    check("records_hash_hex", lowercaseBytes32(t.hash)),
    check("records_position_nonnegative", sql`${t.position} >= 0`),
    index("records_search_idx").using("gin", t.search),
  ],
);

/** Where a model's answers come from. */
export const modelBackendKind = pgEnum("model_backend_kind", ["builtin", "openai"]);

/**
 * A model's lifecycle, as the Registry's `ModelStatus`: an active model serves inferences, a
 * paused one does not until its owner resumes it, a retired one (unstaked or slashed) never again.
 */
export const modelStatus = pgEnum("model_status", ["active", "paused", "retired"]);

/** Where a model's declared terms send the part of the data pool its records do not explain (lib/attribution). */
export const unexplainedPoolPolicy = pgEnum("unexplained_pool_policy", ["owner", "treasury"]);

/** A published model: its card, its backend and its terms and status as last seen on chain. */
export const models = pgTable(
  "models",
  {
    /** The Registry's model id. */
    id: uint256("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** Markdown model card: what the model is, what it draws on, its limits. */
    modelCard: text("model_card").notNull().default(""),
    /** Lowercase topic tags for browsing and search. */
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    backendKind: modelBackendKind("backend_kind").notNull(),
    /** OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1; null for the built-in engine. */
    backendBaseUrl: text("backend_base_url"),
    /** Model name at the backend, e.g. "llama3.2". */
    backendModel: text("backend_model"),
    /** Name of the key in the server's environment (BACKEND_KEY_<NAME>) — never the key itself. */
    backendKeyName: text("backend_key_name"),
    /**
     * Whether an OpenAI-compatible backend is asked (and the call charged) when nothing in the
     * model's datanets is relevant to the question. Off: such a question is answered that nothing
     * matches, free. The built-in engine never answers without records.
     */
    answersWithoutRecords: boolean("answers_without_records").notNull().default(false),
    /**
     * Context ablation for an OpenAI-compatible backend: each answer is followed by one call per
     * retrieved record with that record left out, and the change measures the record's influence.
     */
    contextAblation: boolean("context_ablation").notNull().default(false),
    owner: address("owner").notNull(),
    metadataUri: text("metadata_uri").notNull(),
    /** Price per inference in the payment token's smallest unit. */
    price: uint256("price").notNull(),
    /** The owner's share of each price in basis points; the rest goes to the data pool. */
    ownerShareBps: integer("owner_share_bps").notNull(),
    /**
     * The recipient of the unexplained pool the model's card declares (off-chain terms, anchored by
     * `metadataUri`); null when the card declares none: the engine's default, the owner.
     */
    unexplainedPool: unexplainedPoolPolicy("unexplained_pool"),
    /** Whether it serves inferences, as of `version`. */
    status: modelStatus("status").notNull().default("active"),
    /** The on-chain version these terms belong to; each price/split/status update adds one. */
    version: integer("version").notNull().default(1),
    txHash: bytes32("tx_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    /** Full-text search document: name (weight A), tags (B), description (B), model card (C); English stemming. */
    search: tsvector("search")
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`setweight(to_tsvector('english', ${models.name}), 'A') || setweight(${tagWords(models.tags)}, 'B') || setweight(to_tsvector('english', ${models.description}), 'B') || setweight(to_tsvector('english', ${models.modelCard}), 'C')`,
      ),
  },
  (t) => [
    index("models_search_idx").using("gin", t.search),
    check("models_owner_hex", lowercaseAddress(t.owner)),
    check("models_tx_hash_hex", lowercaseBytes32(t.txHash)),
    check("models_owner_share_bps_range", sql`${t.ownerShareBps} between 0 and 10000`),
    check("models_price_nonnegative", sql`${t.price} >= 0`),
    check(
      "models_backend_complete",
      sql`(${t.backendKind} = 'builtin') or (${t.backendBaseUrl} is not null and ${t.backendModel} is not null)`,
    ),
    check("models_backend_key_name_format", sql`${t.backendKeyName} is null or ${t.backendKeyName} ~ '^[A-Z0-9_]+$'`),
  ],
);

/** The datanets a model draws on (fixed at publication on chain). */
export const modelDatanets = pgTable(
  "model_datanets",
  {
    modelId: uint256("model_id")
      .notNull()
      .references(() => models.id),
    datanetId: uint256("datanet_id")
      .notNull()
      .references(() => datanets.id),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.datanetId] }), index("model_datanets_datanet_idx").on(t.datanetId)],
);

/**
 * How far the app has followed one kind of a contract's events: the last block read and its
 * hash. When the chain no longer has that hash at that height (a reorganisation, or a local
 * chain started afresh), the follower starts over from the chain's current state.
 */
export const chainCursors = pgTable(
  "chain_cursors",
  {
    /** What is followed, e.g. "model-updates". */
    stream: text("stream").notNull(),
    contract: address("contract").notNull(),
    blockNumber: bigint("block_number", { mode: "bigint" }).notNull(),
    blockHash: bytes32("block_hash").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.stream, t.contract] }),
    check("chain_cursors_contract_hex", lowercaseAddress(t.contract)),
    check("chain_cursors_block_hash_hex", lowercaseBytes32(t.blockHash)),
  ],
);
