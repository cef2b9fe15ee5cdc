/** The settler's reads and writes of the outbox, each a single statement or one transaction. */
import { and, asc, eq, gt, inArray, isNotNull, lte, sql } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { Db, DbOrTransaction } from "@/db/client";
import { apiKeys, inferences, outbox, spendPermits } from "@/db/schema/payments";
import { isPayerSkip, type SettlementInference } from "@/lib/chain/settlement";

/** An outbox row with what settling it needs. */
export type OutboxEntry = {
  /** The on-chain inference id. */
  seq: bigint;
  /** The inference row. */
  inferenceId: string;
  /** When it was enqueued. */
  createdAt: Date;
  /** The inference as settleBatch takes it. */
  settlement: SettlementInference;
};

/** Where an inference was settled on chain. */
export type SettledAt = { txHash: Hex; blockNumber: bigint };

const entryColumns = {
  seq: outbox.seq,
  inferenceId: outbox.inferenceId,
  createdAt: outbox.createdAt,
  modelId: inferences.modelId,
  price: inferences.price,
  attributionHash: inferences.attributionHash,
  payees: inferences.payees,
  amounts: inferences.amounts,
  payer: spendPermits.payer,
  spender: spendPermits.spender,
  cap: spendPermits.cap,
  expiry: spendPermits.expiry,
  nonce: spendPermits.nonce,
  signature: spendPermits.signature,
  chainId: spendPermits.chainId,
  market: spendPermits.market,
  txHash: outbox.txHash,
};

type EntryRow = Awaited<ReturnType<typeof entries>>[number];

function toEntry(r: EntryRow): OutboxEntry {
  return {
    seq: r.seq,
    inferenceId: r.inferenceId,
    createdAt: r.createdAt,
    settlement: {
      inferenceId: r.seq,
      modelId: r.modelId,
      price: r.price,
      attributionHash: r.attributionHash,
      payouts: r.payees.map((payee, i) => ({ payee: payee as Address, amount: r.amounts[i] })),
      permit: {
        payer: r.payer as Address,
        spender: r.spender as Address,
        cap: r.cap,
        expiry: r.expiry,
        nonce: r.nonce,
        signature: r.signature as Hex,
      },
    },
  };
}

/** The market a settler settles on: only inferences whose permit names it are its to send. */
export type OutboxMarket = { chainId: number; market: Address };

function entries(db: Db) {
  return db
    .select(entryColumns)
    .from(outbox)
    .innerJoin(inferences, eq(inferences.id, outbox.inferenceId))
    .innerJoin(spendPermits, eq(spendPermits.id, inferences.permitId));
}

// A redeploy leaves inferences paid under the old market's permits in the outbox: sent to the new
// market they would be skipped as PermitInvalid and written off, so each settler sends only its own.
const ownedBy =
  ({ chainId, market }: OutboxMarket) =>
  (row: EntryRow) =>
    row.chainId === chainId && row.market === market.toLowerCase();

/** The first `limit` pending rows of `market` in sequence order. */
export async function pendingEntries(db: Db, market: OutboxMarket, limit: number): Promise<OutboxEntry[]> {
  const pending = (onlyOwn: boolean) =>
    entries(db)
      .where(
        onlyOwn
          ? and(
              eq(outbox.status, "pending"),
              eq(spendPermits.chainId, market.chainId),
              eq(spendPermits.market, market.market.toLowerCase() as Address),
            )
          : eq(outbox.status, "pending"),
      )
      .orderBy(asc(outbox.seq))
      .limit(limit);
  const rows = await pending(false);
  if (rows.every(ownedBy(market))) return rows.map(toEntry);
  // Another market's rows lead the queue (rare: only after a redeploy). Filtering in SQL on every
  // poll instead costs PostgreSQL about a tenth of the gateway's throughput (it plans the join
  // differently), so the filter is added only when it is needed.
  return (await pending(true)).map(toEntry);
}

/**
 * Pending rows of `market` whose permit expires after `after` and by `before` (unix seconds), the
 * soonest first; usually none, found by a look at the permits alone. Kept apart from
 * {@link pendingEntries} so the query every poll runs keeps its plan.
 */
export async function expiringEntries(
  db: Db,
  market: OutboxMarket,
  window: { after: bigint; before: bigint },
  limit: number,
): Promise<OutboxEntry[]> {
  const ownExpiring = and(
    eq(spendPermits.chainId, market.chainId),
    eq(spendPermits.market, market.market.toLowerCase() as Address),
    gt(spendPermits.expiry, window.after),
    lte(spendPermits.expiry, window.before),
  );
  const [any] = await db.select({ id: spendPermits.id }).from(spendPermits).where(ownExpiring).limit(1);
  if (!any) return [];
  const rows = await entries(db)
    .where(and(eq(outbox.status, "pending"), ownExpiring))
    .orderBy(asc(spendPermits.expiry), asc(outbox.seq))
    .limit(limit);
  return rows.map(toEntry);
}

/** Rows of `market` marked submitted, grouped by the transaction recorded for them. */
export async function submittedEntries(db: Db, market: OutboxMarket): Promise<Map<Hex, OutboxEntry[]>> {
  const rows = (
    await entries(db)
      .where(and(eq(outbox.status, "submitted"), isNotNull(outbox.txHash)))
      .orderBy(asc(outbox.seq))
  ).filter(ownedBy(market));
  const byTx = new Map<Hex, OutboxEntry[]>();
  for (const row of rows) {
    const list = byTx.get(row.txHash!) ?? [];
    list.push(toEntry(row));
    byTx.set(row.txHash!, list);
  }
  return byTx;
}

/** Writes the transaction about to carry `seqs` before it is sent (only rows still pending). */
export async function markSubmitted(db: Db, seqs: readonly bigint[], txHash: Hex, nonce: number): Promise<void> {
  await db
    .update(outbox)
    .set({ status: "submitted", txHash, txNonce: nonce, submittedAt: sql`now()`, attempts: sql`${outbox.attempts} + 1`, lastError: null })
    .where(and(inArray(outbox.seq, [...seqs]), eq(outbox.status, "pending")));
}

/** Puts submitted rows whose transaction never landed back in the queue. */
export async function requeue(db: Db, seqs: readonly bigint[], reason: string): Promise<void> {
  if (seqs.length === 0) return;
  await db
    .update(outbox)
    .set({ status: "pending", txHash: null, txNonce: null, lastError: reason })
    .where(and(inArray(outbox.seq, [...seqs]), eq(outbox.status, "submitted")));
}

/** Outcome of one inference on chain. */
export type Outcome = { seq: bigint; settled: SettledAt } | { seq: bigint; failed: string };

/** Records outcomes in one transaction: settled rows get their transaction, failed ones their reason. */
export async function recordOutcomes(db: Db, outcomes: readonly Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db.transaction(async (tx) => {
    const settledByTx = new Map<Hex, { blockNumber: bigint; seqs: bigint[] }>();
    const failedByReason = new Map<string, bigint[]>();
    for (const o of outcomes) {
      if ("settled" in o) {
        const group = settledByTx.get(o.settled.txHash) ?? { blockNumber: o.settled.blockNumber, seqs: [] };
        group.seqs.push(o.seq);
        settledByTx.set(o.settled.txHash, group);
      } else {
        failedByReason.set(o.failed, [...(failedByReason.get(o.failed) ?? []), o.seq]);
      }
    }
    for (const [txHash, { blockNumber, seqs }] of settledByTx) {
      await tx
        .update(inferences)
        .set({ status: "settled", settlementTxHash: txHash, settlementBlock: blockNumber, settledAt: sql`now()`, failureReason: null })
        .where(inArray(inferences.settlementSeq, seqs));
      await tx.update(outbox).set({ status: "settled", txHash, settledAt: sql`now()`, lastError: null }).where(inArray(outbox.seq, seqs));
    }
    for (const [reason, seqs] of failedByReason) {
      // A skip the payer caused stays on its key and becomes the payer's debt (PAYER_SKIP_REASONS);
      // what any other refused inference had added to its key's running total is given back, once.
      const refunds = isPayerSkip(reason) ? [] : await refundsOf(tx, seqs);
      for (const r of refunds) {
        await tx
          .update(apiKeys)
          .set({ spent: sql`${apiKeys.spent} - ${r.total}::numeric` })
          .where(eq(apiKeys.id, r.apiKeyId!));
      }
      await tx.update(inferences).set({ status: "failed", failureReason: reason }).where(inArray(inferences.settlementSeq, seqs));
      await tx.update(outbox).set({ status: "failed", lastError: reason }).where(inArray(outbox.seq, seqs));
    }
  });
}

/** What the not-yet-failed inferences among `seqs` had added to each API key's spent. */
function refundsOf(tx: DbOrTransaction, seqs: readonly bigint[]) {
  return tx
    .select({ apiKeyId: inferences.apiKeyId, total: sql<string>`sum(${inferences.price})` })
    .from(inferences)
    .where(and(inArray(inferences.settlementSeq, [...seqs]), isNotNull(inferences.apiKeyId), sql`${inferences.status} <> 'failed'`))
    .groupBy(inferences.apiKeyId);
}

/** Marks rows that cannot even be encoded as failed (nothing was sent for them). */
export async function markUnencodable(db: Db, seqs: readonly bigint[], reason: string): Promise<void> {
  await recordOutcomes(
    db,
    seqs.map((seq) => ({ seq, failed: reason })),
  );
}

/** Counts of outbox rows by status (for the benchmark and the dashboard). */
export async function outboxCounts(db: Db): Promise<Record<"pending" | "submitted" | "settled" | "failed", number>> {
  const rows = await db.select({ status: outbox.status, n: sql<string>`count(*)` }).from(outbox).groupBy(outbox.status);
  const counts = { pending: 0, submitted: 0, settled: 0, failed: 0 };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}
