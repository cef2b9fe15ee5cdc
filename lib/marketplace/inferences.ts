import { and, count, desc, eq, inArray, lt, sql } from "drizzle-orm";
import { inferences, models } from "@/db/schema";
import type { MarketplaceSource } from "./source";
import type { InferenceSummary } from "./types";

/** Options of {@link listRecentInferences}. */
export type ListInferencesOptions = {
  /** At most this many, newest first (default 50, at most 200). */
  limit?: number;
  /** Only this model's inferences. */
  modelId?: bigint;
  /** Only this payer's inferences (a lowercase or checksummed address). */
  payer?: string;
  /** Only inferences with a lower on-chain id than this (the next page after it). */
  before?: bigint;
};

type InferenceRow = typeof inferences.$inferSelect;

function summarize(row: InferenceRow, modelName: string | null): InferenceSummary {
  const settlement: InferenceSummary["settlement"] =
    row.status === "settled"
      ? { status: "settled", transactionHash: row.settlementTxHash }
      : row.status === "failed"
        ? { status: "failed", reason: row.failureReason }
        : { status: "pending" };
  return {
    id: row.settlementSeq.toString(),
    modelId: row.modelId.toString(),
    modelName,
    payer: row.payer,
    price: row.price,
    payeeCount: row.payees.length,
    attributionHash: row.attributionHash,
    settlement,
    createdAt: row.createdAt,
  };
}

/** The latest paid inferences, newest first, with their model's name and settlement state. */
export async function listRecentInferences({ db }: MarketplaceSource, options: ListInferencesOptions = {}): Promise<InferenceSummary[]> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  const rows = await db
    .select({ inference: inferences, modelName: models.name })
    .from(inferences)
    .leftJoin(models, eq(models.id, inferences.modelId))
    .where(
      and(
        options.modelId === undefined ? undefined : eq(inferences.modelId, options.modelId),
        options.payer === undefined ? undefined : eq(inferences.payer, options.payer.toLowerCase() as `0x${string}`),
        options.before === undefined ? undefined : lt(inferences.settlementSeq, options.before),
      ),
    )
    .orderBy(desc(inferences.settlementSeq))
    .limit(limit);
  return rows.map((r) => summarize(r.inference, r.modelName));
}

/** Per model: paid inferences served, and what the settled ones were charged in total. */
export type ModelUsage = { inferenceCount: number; revenue: bigint };

/** Usage of the given models (all models when omitted); a model without inferences is absent. */
export async function modelUsage({ db }: MarketplaceSource, modelIds?: readonly bigint[]): Promise<Map<bigint, ModelUsage>> {
  if (modelIds && modelIds.length === 0) return new Map();
  const rows = await db
    .select({
      modelId: inferences.modelId,
      inferenceCount: count(),
      // Sum as numeric, read back as text: prices are uint256 and must not pass through a float.
      revenue: sql<string | null>`(sum(${inferences.price}) filter (where ${inferences.status} = 'settled'))::text`,
    })
    .from(inferences)
    .where(and(modelIds ? inArray(inferences.modelId, [...modelIds]) : undefined, sql`${inferences.status} <> 'failed'`))
    .groupBy(inferences.modelId);
  return new Map(rows.map((r) => [r.modelId, { inferenceCount: Number(r.inferenceCount), revenue: BigInt(r.revenue ?? "0") }]));
}

/** What a payer was charged, in total: inferences paid, settled on chain, waiting, refused by the market. */
export type PayerTotals = { inferences: number; settled: bigint; pending: bigint; failed: bigint };

/** A payer's totals over all its inferences (refused ones counted apart: a payer's skip is its debt). */
export async function payerTotals({ db }: MarketplaceSource, payer: string): Promise<PayerTotals> {
  const rows = await db
    .select({ status: inferences.status, n: count(), total: sql<string>`coalesce(sum(${inferences.price}), 0)` })
    .from(inferences)
    .where(eq(inferences.payer, payer.toLowerCase() as `0x${string}`))
    .groupBy(inferences.status);
  const totals: PayerTotals = { inferences: 0, settled: 0n, pending: 0n, failed: 0n };
  for (const row of rows) {
    totals.inferences += Number(row.n);
    totals[row.status] += BigInt(row.total);
  }
  return totals;
}
