/**
 * The copy check of a contribution draft (issue 11, class 3): records that earlier records of the
 * same datanet already hold — padded, or disguised with invisible characters or lookalike
 * letters — are refused before the contributor's transaction, so nothing is anchored or stored
 * (`checkContribution`, lib/attribution/check-contribution.ts). The engine gives such copies no
 * credit anyway; the refusal tells the contributor before they pay gas for nothing. Contributions
 * sent to the registry directly are still stored when confirmed, and the index treats them as
 * copies.
 *
 * Each datanet's index is kept per database handle and extended with the contributions stored
 * since it was read, in on-chain order, so a draft costs its own size, not a rebuild.
 */
import { and, asc, eq, gt } from "drizzle-orm";
import type { DbOrTransaction } from "@/db/client";
import { records } from "@/db/schema";
import {
  addContribution,
  checkContribution,
  createIndex,
  type DatanetIndex,
  mergeSegments,
  needsMerge,
  type RecordInput,
} from "@/lib/attribution";
import { ContributionCopiesEarlierError } from "./errors";

type Entry = { index: DatanetIndex; lastContributionId: bigint; refreshing?: Promise<DatanetIndex> };

const indexes = new WeakMap<object, Map<bigint, Entry>>();

/** The attribution index of a datanet's stored records (record ids `<contributionId>:<position>`, as the gateway's). */
export async function datanetIndex(db: DbOrTransaction, datanetId: bigint): Promise<DatanetIndex> {
  let byDatanet = indexes.get(db);
  if (!byDatanet) indexes.set(db, (byDatanet = new Map()));
  let entry = byDatanet.get(datanetId);
  if (!entry) byDatanet.set(datanetId, (entry = { index: createIndex(), lastContributionId: 0n }));
  // One refresh at a time per datanet: two would extend the same snapshot twice.
  while (entry.refreshing) await entry.refreshing;
  const current = entry;
  current.refreshing = (async () => {
    try {
      const fresh = await db
        .select()
        .from(records)
        .where(and(eq(records.datanetId, datanetId), gt(records.contributionId, current.lastContributionId)))
        .orderBy(asc(records.contributionId), asc(records.position));
      let index = current.index;
      let batch: RecordInput[] = [];
      for (let i = 0; i < fresh.length; i++) {
        const row = fresh[i];
        batch.push({ id: `${row.contributionId}:${row.position}`, contributor: row.contributor, text: row.text });
        if (i + 1 === fresh.length || fresh[i + 1].contributionId !== row.contributionId) {
          index = addContribution(index, batch);
          batch = [];
        }
      }
      if (needsMerge(index)) index = mergeSegments(index);
      current.index = index;
      if (fresh.length > 0) current.lastContributionId = fresh[fresh.length - 1].contributionId;
      return index;
    } finally {
      current.refreshing = undefined;
    }
  })();
  return current.refreshing;
}

/** Throws ContributionCopiesEarlierError when a text is a copy of earlier records of the datanet. */
export async function refuseCopies(db: DbOrTransaction, datanetId: bigint, texts: readonly string[]): Promise<void> {
  const index = await datanetIndex(db, datanetId);
  if (index.recordCount === 0) return;
  const checks = checkContribution(index, texts);
  const position = checks.findIndex((c) => c.verdict === "copy");
  if (position >= 0) throw new ContributionCopiesEarlierError(datanetId, position, checks[position]);
}
