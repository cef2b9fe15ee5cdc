import * as data from "@/db/marketplace";
import { modelUsage } from "./inferences";
import { marketplaceSource, type MarketplaceSource } from "./source";
import { toDatanetSummary, toModelSummary } from "./summaries";
import type { DatanetDetail, DatanetSummary } from "./types";

/** How many records a datanet page shows as a sample. */
const SAMPLE_RECORDS = 5;

/** Every published datanet, newest first. */
export async function listDatanets(from?: MarketplaceSource): Promise<DatanetSummary[]> {
  const { db } = await marketplaceSource(from);
  return (await data.listDatanets(db)).reverse().map(toDatanetSummary);
}

/** One datanet with its contributions, a few records and the models that use it; null if unknown. */
export async function getDatanet(id: bigint, from?: MarketplaceSource): Promise<DatanetDetail | null> {
  const source = await marketplaceSource(from);
  const { db } = source;
  const row = await data.getDatanet(db, id);
  if (!row) return null;
  const [contributions, records, models] = await Promise.all([
    data.listContributions(db, id),
    data.listRecords(db, id, { limit: SAMPLE_RECORDS }),
    data.modelsOfDatanet(db, id),
  ]);
  const usage = await modelUsage(
    models.map((m) => m.id),
    source,
  );
  return {
    ...toDatanetSummary(row),
    contributions: contributions.map((c) => ({
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
