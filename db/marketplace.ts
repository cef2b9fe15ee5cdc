/**
 * Reads and writes of the off-chain marketplace data (datanets, contributions, records,
 * models). Writers take on-chain ids and are idempotent: saving the same id twice changes
 * nothing, so a retried publish or a resumed seed is harmless.
 */
import { and, asc, countDistinct, eq, getTableColumns, gt, inArray, ne, or, sql, sum } from "drizzle-orm";
import type { DbOrTransaction } from "./client";
import { chainCursors, contributions, datanets, modelDatanets, models, records } from "./schema";

type Hex = `0x${string}`;

/** A table's columns less its generated search document, which only `@@` reads (never worth sending back). */
function withoutSearch<T extends { search: unknown }>(columns: T): Omit<T, "search"> {
  const { search: _search, ...rest } = columns;
  return rest;
}

/** The columns a read selects from `datanets`, `models` and `records`: all but the search documents. */
export const datanetColumns = withoutSearch(getTableColumns(datanets));
export const modelColumns = withoutSearch(getTableColumns(models));
export const recordColumns = withoutSearch(getTableColumns(records));

/** A datanet row. */
export type Datanet = Omit<typeof datanets.$inferSelect, "search">;
/** A contribution row. */
export type Contribution = typeof contributions.$inferSelect;
/** A record row. */
export type DatanetRecord = Omit<typeof records.$inferSelect, "search">;
/** A model row, without its datanets. */
export type ModelRow = Omit<typeof models.$inferSelect, "search">;
/** Whether a model serves inferences: "active", "paused" by its owner, or "retired" for good. */
export type ModelStatus = ModelRow["status"];
/** A model row with the datanets it draws on. */
export type Model = ModelRow & { datanetIds: bigint[] };

/** A datanet with what it holds so far. */
export interface DatanetSummary extends Datanet {
  /** Contributions added to it. */
  contributionCount: number;
  /** Records across its contributions. */
  recordCount: number;
  /** Distinct contributor addresses. */
  contributorCount: number;
}

/** A new datanet, as published on chain. */
export type NewDatanet = Omit<typeof datanets.$inferInsert, "createdAt">;

/** A new contribution with its records in Merkle leaf order. */
export interface NewContribution {
  /** The Registry's contribution id. */
  id: bigint;
  datanetId: bigint;
  contributor: Hex;
  merkleRoot: Hex;
  txHash: Hex;
  /** The records, in the order of the Merkle tree's leaves; `hash` is the leaf's keccak256. */
  records: readonly { text: string; hash: Hex }[];
}

/** A new model, as published on chain: version 1, active; later versions come from {@link updateModelTerms}. */
export type NewModel = Omit<typeof models.$inferInsert, "createdAt" | "updatedAt" | "version" | "status"> & {
  /** The datanets the model draws on. */
  datanetIds: readonly bigint[];
};

/** Where a record sits in on-chain order, and who published it. */
export interface RecordOrigin {
  contributionId: bigint;
  position: number;
  datanetId: bigint;
  contributor: Hex;
}

/** Marketplace data that cannot be stored as given (e.g. a contribution without records). */
export class InvalidMarketplaceDataError extends Error {
  readonly code = "INVALID_MARKETPLACE_DATA";
  constructor(message: string) {
    super(message);
    this.name = "InvalidMarketplaceDataError";
  }
}

const lower = <T extends string>(hex: T) => hex.toLowerCase() as T;

// PostgreSQL caps a statement at 65,535 parameters; six per record row.
const RECORD_CHUNK = 5000;

/** Stores a published datanet; returns false when it was already stored. */
export async function saveDatanet(db: DbOrTransaction, datanet: NewDatanet): Promise<boolean> {
  const inserted = await db
    .insert(datanets)
    .values({ ...datanet, owner: lower(datanet.owner), txHash: lower(datanet.txHash) })
    .onConflictDoNothing()
    .returning({ id: datanets.id });
  return inserted.length > 0;
}

/** Stores a contribution and its records in one transaction; returns false when it was already stored. */
export async function saveContribution(db: DbOrTransaction, contribution: NewContribution): Promise<boolean> {
  if (contribution.records.length === 0) {
    throw new InvalidMarketplaceDataError(`Contribution ${contribution.id} has no records`);
  }
  const contributor = lower(contribution.contributor);
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(contributions)
      .values({
        id: contribution.id,
        datanetId: contribution.datanetId,
        contributor,
        merkleRoot: lower(contribution.merkleRoot),
        recordCount: contribution.records.length,
        txHash: lower(contribution.txHash),
      })
      .onConflictDoNothing()
      .returning({ id: contributions.id });
    if (inserted.length === 0) return false;
    const rows = contribution.records.map((record, position) => ({
      contributionId: contribution.id,
      position,
      datanetId: contribution.datanetId,
      contributor,
      text: record.text,
      hash: lower(record.hash),
    }));
    for (let start = 0; start < rows.length; start += RECORD_CHUNK) {
      await tx.insert(records).values(rows.slice(start, start + RECORD_CHUNK));
    }
    return true;
  });
}

/** Stores a published model and its datanets; returns false when it was already stored. */
export async function saveModel(db: DbOrTransaction, model: NewModel): Promise<boolean> {
  const { datanetIds, ...row } = model;
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(models)
      .values({ ...row, owner: lower(row.owner), txHash: lower(row.txHash) })
      .onConflictDoNothing()
      .returning({ id: models.id });
    if (inserted.length === 0) return false;
    if (datanetIds.length > 0) {
      await tx.insert(modelDatanets).values([...new Set(datanetIds)].map((datanetId) => ({ modelId: model.id, datanetId })));
    }
    return true;
  });
}

/** A model's terms and status as of one on-chain version (a `ModelUpdated` event or `getModel`). */
export interface ModelTermsUpdate {
  price: bigint;
  ownerShareBps: number;
  status: ModelStatus;
  version: number;
}

/**
 * Records a model's new on-chain terms and status. Only a newer version is applied, so events
 * seen twice or out of order never roll the model back; returns whether the row changed.
 */
export async function updateModelTerms(db: DbOrTransaction, modelId: bigint, terms: ModelTermsUpdate): Promise<boolean> {
  const updated = await db
    .update(models)
    .set({ ...terms, updatedAt: new Date() })
    .where(and(eq(models.id, modelId), sql`${models.version} < ${terms.version}`))
    .returning({ id: models.id });
  return updated.length > 0;
}

/**
 * Overwrites a model's terms and status whatever their version: for when the chain itself was
 * replaced (a reorganisation, a local chain started afresh) and versions may count again from 1.
 */
export async function replaceModelTerms(db: DbOrTransaction, modelId: bigint, terms: ModelTermsUpdate): Promise<boolean> {
  const updated = await db
    .update(models)
    .set({ ...terms, updatedAt: new Date() })
    .where(
      and(
        eq(models.id, modelId),
        or(
          ne(models.version, terms.version),
          ne(models.status, terms.status),
          ne(models.price, terms.price),
          ne(models.ownerShareBps, terms.ownerShareBps),
        ),
      ),
    )
    .returning({ id: models.id });
  return updated.length > 0;
}

/** Where a follower of a contract's events stands. */
export type ChainCursor = Omit<typeof chainCursors.$inferSelect, "updatedAt">;

/** The cursor of `stream` over `contract`, or undefined before its first read. */
export async function getChainCursor(db: DbOrTransaction, stream: string, contract: Hex): Promise<ChainCursor | undefined> {
  const [row] = await db
    .select({
      stream: chainCursors.stream,
      contract: chainCursors.contract,
      blockNumber: chainCursors.blockNumber,
      blockHash: chainCursors.blockHash,
    })
    .from(chainCursors)
    .where(and(eq(chainCursors.stream, stream), eq(chainCursors.contract, lower(contract))));
  return row;
}

/** Moves a cursor to a block it has read up to (and including). */
export async function saveChainCursor(db: DbOrTransaction, cursor: ChainCursor): Promise<void> {
  const row = { ...cursor, contract: lower(cursor.contract), blockHash: lower(cursor.blockHash), updatedAt: new Date() };
  await db
    .insert(chainCursors)
    .values(row)
    .onConflictDoUpdate({
      target: [chainCursors.stream, chainCursors.contract],
      set: { blockNumber: row.blockNumber, blockHash: row.blockHash, updatedAt: row.updatedAt },
    });
}

function datanetSummaries(db: DbOrTransaction) {
  return db
    .select({
      datanet: datanetColumns,
      contributionCount: sql<number>`count(${contributions.id})::int`,
      recordCount: sql<number>`coalesce(${sum(contributions.recordCount)}, 0)::int`,
      contributorCount: sql<number>`${countDistinct(contributions.contributor)}::int`,
    })
    .from(datanets)
    .leftJoin(contributions, eq(contributions.datanetId, datanets.id))
    .groupBy(datanets.id)
    .$dynamic();
}

const flattenSummary = (row: {
  datanet: Datanet;
  contributionCount: number;
  recordCount: number;
  contributorCount: number;
}): DatanetSummary => ({
  ...row.datanet,
  contributionCount: row.contributionCount,
  recordCount: row.recordCount,
  contributorCount: row.contributorCount,
});

/** Every datanet with its counts, oldest first (datanet ids follow on-chain order). */
export async function listDatanets(db: DbOrTransaction): Promise<DatanetSummary[]> {
  const rows = await datanetSummaries(db).orderBy(asc(datanets.id));
  return rows.map(flattenSummary);
}

/** One datanet with its counts, or undefined. */
export async function getDatanet(db: DbOrTransaction, id: bigint): Promise<DatanetSummary | undefined> {
  const [row] = await datanetSummaries(db).where(eq(datanets.id, id));
  return row && flattenSummary(row);
}

/** A datanet's contributions in on-chain order. */
export async function listContributions(db: DbOrTransaction, datanetId: bigint): Promise<Contribution[]> {
  return db.select().from(contributions).where(eq(contributions.datanetId, datanetId)).orderBy(asc(contributions.id));
}

/** Where a page of records starts: after this record (keyset pagination, stable under inserts). */
export interface RecordCursor {
  contributionId: bigint;
  position: number;
}

/** A page of a datanet's records in on-chain order, at most `limit` (default 50) after `after`. */
export async function listRecords(
  db: DbOrTransaction,
  datanetId: bigint,
  page: { limit?: number; after?: RecordCursor } = {},
): Promise<DatanetRecord[]> {
  const { limit = 50, after } = page;
  const afterCursor = after
    ? or(
        gt(records.contributionId, after.contributionId),
        and(eq(records.contributionId, after.contributionId), gt(records.position, after.position)),
      )
    : undefined;
  return db
    .select(recordColumns)
    .from(records)
    .where(and(eq(records.datanetId, datanetId), afterCursor))
    .orderBy(asc(records.contributionId), asc(records.position))
    .limit(limit);
}

/** Every record of the given datanets in on-chain order: the corpus a model retrieves from. */
export async function recordsOfDatanets(db: DbOrTransaction, datanetIds: readonly bigint[]): Promise<DatanetRecord[]> {
  if (datanetIds.length === 0) return [];
  return db
    .select(recordColumns)
    .from(records)
    .where(inArray(records.datanetId, [...datanetIds]))
    .orderBy(asc(records.contributionId), asc(records.position));
}

/**
 * For each hash, the earliest record with it in on-chain order (across all datanets): the
 * first publisher, who gets the credit for later copies. Hashes never published are absent.
 */
export async function earliestRecords(db: DbOrTransaction, hashes: readonly Hex[]): Promise<Map<Hex, RecordOrigin>> {
  const origins = new Map<Hex, RecordOrigin>();
  if (hashes.length === 0) return origins;
  const rows = await db
    .selectDistinctOn([records.hash], {
      hash: records.hash,
      contributionId: records.contributionId,
      position: records.position,
      datanetId: records.datanetId,
      contributor: records.contributor,
    })
    .from(records)
    .where(inArray(records.hash, [...new Set(hashes.map(lower))]))
    .orderBy(asc(records.hash), asc(records.contributionId), asc(records.position));
  for (const { hash, ...origin } of rows) origins.set(hash, origin);
  return origins;
}

async function withDatanetIds(db: DbOrTransaction, rows: ModelRow[]): Promise<Model[]> {
  if (rows.length === 0) return [];
  const links = await db
    .select()
    .from(modelDatanets)
    .where(
      inArray(
        modelDatanets.modelId,
        rows.map((m) => m.id),
      ),
    )
    .orderBy(asc(modelDatanets.datanetId));
  return rows.map((row) => ({ ...row, datanetIds: links.filter((l) => l.modelId === row.id).map((l) => l.datanetId) }));
}

/** Every model, oldest first. */
export async function listModels(db: DbOrTransaction): Promise<Model[]> {
  return withDatanetIds(db, await db.select(modelColumns).from(models).orderBy(asc(models.id)));
}

/** One model, or undefined. */
export async function getModel(db: DbOrTransaction, id: bigint): Promise<Model | undefined> {
  const [model] = await withDatanetIds(db, await db.select(modelColumns).from(models).where(eq(models.id, id)));
  return model;
}

/** The models that draw on a datanet. */
export async function modelsOfDatanet(db: DbOrTransaction, datanetId: bigint): Promise<Model[]> {
  const rows = await db
    .select({ model: modelColumns })
    .from(models)
    .innerJoin(modelDatanets, eq(modelDatanets.modelId, models.id))
    .where(eq(modelDatanets.datanetId, datanetId))
    .orderBy(asc(models.id));
  return withDatanetIds(
    db,
    rows.map((r) => r.model),
  );
}
