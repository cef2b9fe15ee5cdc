/**
 * The gateway's in-memory view of each model: its row (price, split, backend) and the
 * attribution index over the records of its datanets, with their texts. An index is built once
 * from the database (one segment); afterwards only contributions newer than the last one seen
 * are added (one segment each), so a new contribution costs its own size, not a rebuild. An entry
 * older than `ttlMs` (counted from the start of the read that made it) is read again before it is
 * served, and at once after `invalidate`: a model paused or repriced in the database is refused
 * or charged anew within `ttlMs`.
 */
import { and, asc, gt, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { getModel, type Model, recordColumns } from "@/db/marketplace";
import { records } from "@/db/schema";
import { addContribution, createIndex, type DatanetIndex, mergeSegments, needsMerge, type RecordInput } from "@/lib/attribution";

/** A model with the index it retrieves from and attributes against. */
export type ModelEntry = {
  /** The model row as last read. */
  model: Model;
  /** Index of every record of the model's datanets, in on-chain order. */
  index: DatanetIndex;
  /** Record text by record id. */
  texts: ReadonlyMap<string, string>;
  /** Highest contribution id in the index (0n when empty). */
  lastContributionId: bigint;
};

/** The id a record has in an index and an attribution proof: `<contributionId>:<position>`. */
export function recordId(contributionId: bigint, position: number): string {
  return `${contributionId}:${position}`;
}

/** Options of {@link createModelCache}. */
export type ModelCacheOptions = {
  /** The app's database. */
  db: Db;
  /** How long an entry is trusted before the database is asked again, in ms. Default 1000. */
  ttlMs?: number;
};

/** Per-model cache of rows and indexes. */
export type ModelCache = {
  /** The model and its index, or undefined when no such model exists. */
  get(modelId: bigint): Promise<ModelEntry | undefined>;
  /** Makes the next `get` re-read the model and pick up new contributions (all models when omitted). */
  invalidate(modelId?: bigint): void;
};

type Slot = { entry: ModelEntry | undefined; checkedAt: number; refreshing?: Promise<ModelEntry | undefined>; stale?: boolean };

/** Creates the cache. */
export function createModelCache(options: ModelCacheOptions): ModelCache {
  const { db } = options;
  const ttlMs = options.ttlMs ?? 1000;
  const slots = new Map<bigint, Slot>();

  async function refresh(modelId: bigint, previous: ModelEntry | undefined): Promise<ModelEntry | undefined> {
    const model = await getModel(db, modelId);
    if (!model) return undefined;
    const base: ModelEntry = previous ?? { model, index: createIndex(), texts: new Map(), lastContributionId: 0n };
    const fresh = await db
      .select(recordColumns)
      .from(records)
      .where(
        and(
          inArray(records.datanetId, model.datanetIds.length > 0 ? model.datanetIds : [-1n]),
          gt(records.contributionId, base.lastContributionId),
        ),
      )
      .orderBy(asc(records.contributionId), asc(records.position));
    if (fresh.length === 0) return { ...base, model };

    // The first build is one segment; later contributions one segment each, in on-chain order.
    let index = base.index;
    const texts = new Map(base.texts);
    let batch: RecordInput[] = [];
    let current = fresh[0].contributionId;
    const flush = () => {
      index = addContribution(index, batch);
      batch = [];
    };
    for (const row of fresh) {
      if (previous && row.contributionId !== current) {
        flush();
        current = row.contributionId;
      }
      const id = recordId(row.contributionId, row.position);
      batch.push({ id, contributor: row.contributor, text: row.text });
      texts.set(id, row.text);
    }
    flush();
    if (needsMerge(index)) index = mergeSegments(index);
    return { model, index, texts, lastContributionId: fresh[fresh.length - 1].contributionId };
  }

  return {
    async get(modelId) {
      const slot = slots.get(modelId);
      if (slot && !slot.refreshing && Date.now() - slot.checkedAt < ttlMs) return slot.entry;
      if (slot?.refreshing) return slot.refreshing;
      const started = Date.now();
      const next: Slot = { entry: slot?.entry, checkedAt: slot?.checkedAt ?? 0 };
      next.refreshing = refresh(modelId, slot?.entry).then(
        (entry) => {
          // Invalidated while reading: the read may predate the change, so check again next time.
          slots.set(modelId, { entry, checkedAt: next.stale ? 0 : started });
          return entry;
        },
        (error: unknown) => {
          // Keep the last good entry; the next call tries again.
          if (slot) slots.set(modelId, { ...slot, checkedAt: 0 });
          else slots.delete(modelId);
          throw error;
        },
      );
      slots.set(modelId, next);
      return next.refreshing;
    },
    invalidate(modelId) {
      for (const [id, slot] of slots) {
        if (modelId !== undefined && id !== modelId) continue;
        slot.checkedAt = 0;
        slot.stale = true;
      }
    },
  };
}
