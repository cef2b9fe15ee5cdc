import { inArray } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { models } from "@/db/schema";
import { UpstreamError } from "@/lib/errors";
import type { MarketplaceSource } from "./source";

/** One inference's credit to a payee. */
export type EarningsCredit = {
  /** The on-chain inference id, decimal. */
  inferenceId: string;
  /** The model that answered. */
  modelId: string;
  /** The model's name, when the app knows it. */
  modelName: string | null;
  /** What this payee was credited, in token base units. */
  amount: bigint;
  /** When it settled. */
  settledAt: Date;
  /** The settlement transaction. */
  transactionHash: Hex;
};

/** A payee's earnings: totals, and a page of credits newest first. */
export type AccountEarnings = {
  /** Everything ever credited. */
  earned: bigint;
  /** Already paid out by `claim`. */
  claimed: bigint;
  /** Credited and not yet claimed. */
  claimable: bigint;
  /** Inferences that credited this payee. */
  inferenceCount: number;
  /** This page of credits, newest first. */
  credits: EarningsCredit[];
  /** Pass back as `before` for the next page; null on the last one. */
  nextCursor: string | null;
};

/** Earnings come from the indexer, and it cannot be reached or has failed. */
export class EarningsUnavailableError extends UpstreamError {
  readonly code = "INDEXER_UNAVAILABLE";
  readonly status = 503;
  constructor(reason: string) {
    super(`Earnings are not available right now: ${reason}`);
  }
}

/** A payee's earnings from the indexer (every settlement credit), with model names from the database. */
export async function getEarnings(
  source: MarketplaceSource,
  payee: Address,
  page: { before?: string; limit?: number } = {},
): Promise<AccountEarnings> {
  if (!source.indexer) throw new EarningsUnavailableError("no indexer is configured");
  let indexed;
  try {
    indexed = await source.indexer.getEarnings(payee, { limit: page.limit ?? 20, before: page.before });
  } catch (error) {
    throw new EarningsUnavailableError((error as Error).message);
  }
  const modelIds = [...new Set(indexed.credits.map((c) => c.modelId))];
  const names = modelIds.length
    ? await source.db.select({ id: models.id, name: models.name }).from(models).where(inArray(models.id, modelIds))
    : [];
  const nameOf = new Map(names.map((m) => [m.id, m.name]));
  return {
    earned: indexed.earnings.earned,
    claimed: indexed.earnings.claimed,
    claimable: indexed.earnings.claimable,
    inferenceCount: indexed.earnings.inferenceCount,
    credits: indexed.credits.map((c) => ({
      inferenceId: c.inferenceId.toString(),
      modelId: c.modelId.toString(),
      modelName: nameOf.get(c.modelId) ?? null,
      amount: c.amount,
      settledAt: new Date(Number(c.createdAt) * 1000),
      transactionHash: c.txHash,
    })),
    nextCursor: indexed.nextCursor,
  };
}
