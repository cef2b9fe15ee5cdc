/**
 * What `/accounts/[address]` reads: what an address published (datanets, models), contributed
 * (contributions, records) and earned — the chain's credits from the indexer when it can say,
 * and its records' share of settled inferences from the stored proofs.
 */
import type { Address, Hex } from "viem";
import { accountActivity } from "@/db/search";
import type { BrowseDatanet, BrowseModel } from "@/lib/search/browse";
import { addressSchema } from "@/lib/wire/primitives";
import { EarningsUnavailableError, getEarnings } from "./earnings";
import { modelUsage } from "./inferences";
import type { MarketplaceSource } from "./source";
import { toDatanetSummary, toModelSummary } from "./summaries";

/** One of an account's contributions. */
export type AccountContribution = {
  id: string;
  datanetId: string;
  datanetName: string;
  recordCount: number;
  merkleRoot: Hex;
  transactionHash: Hex;
  createdAt: Date;
};

/** A profile: published, contributed, earned. */
export type AccountProfile = {
  /** The address, checksummed. */
  address: Address;
  datanets: BrowseDatanet[];
  models: BrowseModel[];
  contributions: AccountContribution[];
  /** Records across its contributions. */
  recordCount: number;
  /** What its records earned in settled inferences, by the stored proofs, in token base units. */
  recordEarnings: bigint;
  /**
   * Everything the market credited it on chain (as model owner and as contributor), with its
   * latest credits; null when the indexer cannot say right now.
   */
  earnings: {
    earned: bigint;
    claimable: bigint;
    inferenceCount: number;
    credits: { inferenceId: string; modelId: string; modelName: string | null; amount: bigint; settledAt: Date }[];
  } | null;
};

/** How many of its latest credits a profile lists. */
const RECENT_CREDITS = 10;

/** The address of a URL segment (any case, checksummed on output), or null when it is not one. */
export function parseAccountAddress(segment: string): Address | null {
  const parsed = addressSchema.safeParse(segment);
  return parsed.success ? parsed.data : null;
}

/** The profile of `address`; an address that did nothing has an empty one. */
export async function getAccountProfile(source: MarketplaceSource, address: Address): Promise<AccountProfile> {
  const account = address.toLowerCase() as Address;
  const [activity, indexed] = await Promise.all([
    accountActivity(source.db, account),
    // The chain's credits, as the dashboard shows them; null when the indexer cannot say.
    getEarnings(source, account, { limit: RECENT_CREDITS }).catch((error: unknown) => {
      if (error instanceof EarningsUnavailableError) return null;
      throw error;
    }),
  ]);
  const usage = await modelUsage(
    source,
    activity.models.map((m) => m.id),
  );
  return {
    address,
    datanets: activity.datanets.map((d) => ({ ...toDatanetSummary(d), payerCount: d.payerCount, earned: d.earned, tags: d.tags })),
    models: activity.models.map((m) => ({
      ...toModelSummary(m, usage.get(m.id)),
      payerCount: m.payerCount,
      revenue: m.revenue,
      tags: m.tags,
    })),
    contributions: activity.contributions.map((c) => ({
      id: c.id.toString(),
      datanetId: c.datanetId.toString(),
      datanetName: c.datanetName,
      recordCount: c.recordCount,
      merkleRoot: c.merkleRoot,
      transactionHash: c.txHash,
      createdAt: c.createdAt,
    })),
    recordCount: activity.recordCount,
    recordEarnings: activity.recordEarnings,
    earnings: indexed && {
      earned: indexed.earned,
      claimable: indexed.claimable,
      inferenceCount: indexed.inferenceCount,
      credits: indexed.credits.map((c) => ({
        inferenceId: c.inferenceId,
        modelId: c.modelId,
        modelName: c.modelName,
        amount: c.amount,
        settledAt: c.settledAt,
      })),
    },
  };
}
