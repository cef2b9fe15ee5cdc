import * as data from "@/db/marketplace";
import { modelUsage } from "./inferences";
import type { MarketplaceSource } from "./source";
import { toDatanetSummary, toModelSummary } from "./summaries";
import type { DatanetContributor, DatanetDetail, DatanetSummary } from "./types";

/** How many records a datanet page shows as a sample. */
const SAMPLE_RECORDS = 5;
/** How many of the latest contributions a datanet page lists. */
const LATEST_CONTRIBUTIONS = 10;

/** Each contributor's contributions and records, most records first (ties: earliest contributor first). */
function contributorsOf(
  contributions: readonly { contributor: DatanetContributor["contributor"]; recordCount: number }[],
): DatanetContributor[] {
  const byAccount = new Map<string, DatanetContributor>();
  for (const c of contributions) {
    const entry = byAccount.get(c.contributor) ?? { contributor: c.contributor, contributionCount: 0, recordCount: 0 };
    entry.contributionCount += 1;
    entry.recordCount += c.recordCount;
    byAccount.set(c.contributor, entry);
  }
  // Map order is first-contribution order, and the sort is stable.
  return [...byAccount.values()].sort((a, b) => b.recordCount - a.recordCount);
}

/** Every published datanet, newest first. */
export async function listDatanets(source: MarketplaceSource): Promise<DatanetSummary[]> {
  return (await data.listDatanets(source.db)).reverse().map(toDatanetSummary);
}

/** One datanet with its contributions, a few records and the models that use it; null if unknown. */
export async function getDatanet(source: MarketplaceSource, id: bigint): Promise<DatanetDetail | null> {
  const { db } = source;
  const row = await data.getDatanet(db, id);
  if (!row) return null;
  const [contributions, records, models] = await Promise.all([
    data.listContributions(db, id),
    data.listRecords(db, id, { limit: SAMPLE_RECORDS }),
    data.modelsOfDatanet(db, id),
  ]);
  const usage = await modelUsage(
    source,
    models.map((m) => m.id),
  );
  return {
    ...toDatanetSummary(row),
    contributors: contributorsOf(contributions),
    contributions: contributions
      .slice(-LATEST_CONTRIBUTIONS)
      .reverse()
      .map((c) => ({
        id: c.id.toString(),
        contributor: c.contributor,
        merkleRoot: c.merkleRoot,
        recordCount: c.recordCount,
        transactionHash: c.txHash,
        createdAt: c.createdAt,
      })),
    sampleRecords: records.map((r) => ({ id: `${r.contributionId}:${r.position}`, contributor: r.contributor, text: r.text })),
    models: models.map((m) => toModelSummary(m, usage.get(m.id))),
  };
}
