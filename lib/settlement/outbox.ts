/** The settler's reads and writes of the outbox, each a single statement or one transaction. */
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, lte, sql } from "drizzle-orm";
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
  /** Transactions that carried it so far. */
  attempts: number;
  /** It rode in a batch that reverted on chain: it is sent alone until it settles or is quarantined. */
  suspect: boolean;
  /** The inference as settleBatch takes it. */
  settlement: SettlementInference;
};

/** How {@link requeue}'s reason starts for rows of a batch that reverted on chain. */
export const REVERTED_BATCH = "batch reverted in";

/** Where an inference was settled (or skipped) on chain: the transaction and its block. */
export type SettledAt = { txHash: Hex; blockNumber: bigint; blockHash: Hex };

const entryColumns = {
  seq: outbox.seq,
  inferenceId: outbox.inferenceId,
  createdAt: outbox.createdAt,
  attempts: outbox.attempts,
  lastError: outbox.lastError,
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
  replacedTxHashes: outbox.replacedTxHashes,
  txNonce: outbox.txNonce,
  submittedAt: outbox.submittedAt,
};

type EntryRow = Awaited<ReturnType<typeof entries>>[number];

function toEntry(r: EntryRow): OutboxEntry {
  return {
    seq: r.seq,
    inferenceId: r.inferenceId,
    createdAt: r.createdAt,
    attempts: r.attempts,
    suspect: r.lastError?.startsWith(REVERTED_BATCH) ?? false,
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

/** A settlement transaction the outbox says was sent (or is about to be), with the rows it carries. */
export type SubmittedTransaction = {
  /** The latest transaction signed for these rows. */
  hash: Hex;
  /** Earlier transactions for the same nonce it replaced; any one of them may be the one that lands. */
  replaced: Hex[];
  /** The account nonce all of them use. */
  nonce: number | null;
  /** When `hash` was recorded. */
  submittedAt: Date | null;
  /** The rows, in sequence order. */
  entries: OutboxEntry[];
};

/** Rows of `market` marked submitted, grouped by the transaction recorded for them. */
export async function submittedTransactions(db: Db, market: OutboxMarket): Promise<SubmittedTransaction[]> {
  const rows = (
    await entries(db)
      .where(and(eq(outbox.status, "submitted"), isNotNull(outbox.txHash)))
      .orderBy(asc(outbox.seq))
  ).filter(ownedBy(market));
  const byTx = new Map<Hex, SubmittedTransaction>();
  for (const row of rows) {
    const hash = row.txHash!;
    let tx = byTx.get(hash);
    if (!tx) {
      tx = { hash, replaced: row.replacedTxHashes ?? [], nonce: row.txNonce, submittedAt: row.submittedAt, entries: [] };
      byTx.set(hash, tx);
    }
    tx.entries.push(toEntry(row));
  }
  return [...byTx.values()];
}

/**
 * Records that `next` replaces the transaction `previous` of the rows carrying it (same nonce, a
 * higher fee), before `next` is sent: whichever of them lands is looked for.
 */
export async function markReplaced(db: Db, previous: Hex, next: Hex): Promise<void> {
  await db
    .update(outbox)
    .set({
      txHash: next,
      replacedTxHashes: sql`array_append(${outbox.replacedTxHashes}, ${previous}::text)`,
      submittedAt: sql`now()`,
    })
    .where(and(eq(outbox.txHash, previous), eq(outbox.status, "submitted")));
}

/** Writes the transaction about to carry `seqs` before it is sent (only rows still pending). */
export async function markSubmitted(db: Db, seqs: readonly bigint[], txHash: Hex, nonce: number): Promise<void> {
  await db
    .update(outbox)
    .set({
      status: "submitted",
      txHash,
      replacedTxHashes: [],
      txNonce: nonce,
      submittedAt: sql`now()`,
      attempts: sql`${outbox.attempts} + 1`,
      lastError: null,
    })
    .where(and(inArray(outbox.seq, [...seqs]), eq(outbox.status, "pending")));
}

/** Puts submitted rows whose transaction never landed back in the queue. */
export async function requeue(db: Db, seqs: readonly bigint[], reason: string): Promise<void> {
  if (seqs.length === 0) return;
  await db
    .update(outbox)
    .set({ status: "pending", txHash: null, replacedTxHashes: [], txNonce: null, lastError: reason })
    .where(and(inArray(outbox.seq, [...seqs]), eq(outbox.status, "submitted")));
}

/** Outcome of one inference on chain: settled, or refused with a reason (and where, when the chain said so). */
export type Outcome = { seq: bigint; settled: SettledAt } | { seq: bigint; failed: string; at?: SettledAt };

/** Records outcomes in one transaction: settled rows get their transaction, failed ones their reason. */
export async function recordOutcomes(db: Db, outcomes: readonly Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db.transaction(async (tx) => {
    const settledByTx = new Map<Hex, { at: SettledAt; seqs: bigint[] }>();
    const failedByReason = new Map<string, { at?: SettledAt; seqs: bigint[] }>();
    for (const o of outcomes) {
      if ("settled" in o) {
        const group = settledByTx.get(o.settled.txHash) ?? { at: o.settled, seqs: [] };
        group.seqs.push(o.seq);
        settledByTx.set(o.settled.txHash, group);
      } else {
        const key = `${o.failed}@${o.at?.txHash ?? ""}`;
        const group = failedByReason.get(key) ?? { at: o.at, seqs: [] };
        group.seqs.push(o.seq);
        failedByReason.set(key, group);
      }
    }
    for (const [txHash, { at, seqs }] of settledByTx) {
      await tx
        .update(inferences)
        .set({ status: "settled", settlementTxHash: txHash, settlementBlock: at.blockNumber, settledAt: sql`now()`, failureReason: null })
        .where(inArray(inferences.settlementSeq, seqs));
      await tx
        .update(outbox)
        .set({ status: "settled", txHash, blockNumber: at.blockNumber, blockHash: at.blockHash, settledAt: sql`now()`, lastError: null })
        .where(inArray(outbox.seq, seqs));
    }
    for (const [key, { at, seqs }] of failedByReason) {
      const reason = key.slice(0, key.lastIndexOf("@"));
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
      await tx
        .update(outbox)
        .set({ status: "failed", lastError: reason, blockNumber: at?.blockNumber ?? null, blockHash: at?.blockHash ?? null })
        .where(inArray(outbox.seq, seqs));
    }
  });
}

/** A block that holds settlement outcomes of a market's rows. */
export type OutcomeBlock = { number: bigint; hash: Hex };

/** The blocks at or above `fromBlock` holding outcomes of `market`'s rows, the newest first. */
export async function outcomeBlocksSince(db: Db, market: OutboxMarket, fromBlock: bigint): Promise<OutcomeBlock[]> {
  const rows = await db
    .selectDistinct({ number: outbox.blockNumber, hash: outbox.blockHash })
    .from(outbox)
    .innerJoin(inferences, eq(inferences.id, outbox.inferenceId))
    .innerJoin(spendPermits, eq(spendPermits.id, inferences.permitId))
    .where(
      and(
        gte(outbox.blockNumber, fromBlock),
        isNotNull(outbox.blockHash),
        eq(spendPermits.chainId, market.chainId),
        eq(spendPermits.market, market.market.toLowerCase() as Address),
      ),
    )
    .orderBy(desc(outbox.blockNumber));
  return rows.map((r) => ({ number: r.number!, hash: r.hash! }));
}

/**
 * Undoes the outcomes recorded from blocks a reorg removed: their rows go back to "submitted"
 * under the transaction that carried them (the settler then asks the chain what became of it),
 * their inferences back to pending, and what a refusal had given back to an API key is counted
 * on it again. Returns how many rows were reopened.
 */
export async function reopenBlocks(db: Db, blocks: readonly OutcomeBlock[]): Promise<number> {
  if (blocks.length === 0) return 0;
  return db.transaction(async (tx) => {
    let reopened = 0;
    for (const block of blocks) {
      const rows = await tx
        .select({ seq: outbox.seq, status: outbox.status, reason: outbox.lastError })
        .from(outbox)
        .where(and(eq(outbox.blockNumber, block.number), eq(outbox.blockHash, block.hash), inArray(outbox.status, ["settled", "failed"])));
      if (rows.length === 0) continue;
      const seqs = rows.map((r) => r.seq);
      const refunded = rows.filter((r) => r.status === "failed" && !isPayerSkip(r.reason ?? "")).map((r) => r.seq);
      for (const r of refunded.length > 0 ? await chargesOf(tx, refunded) : []) {
        await tx
          .update(apiKeys)
          .set({ spent: sql`${apiKeys.spent} + ${r.total}::numeric` })
          .where(eq(apiKeys.id, r.apiKeyId!));
      }
      await tx
        .update(inferences)
        .set({ status: "pending", settlementTxHash: null, settlementBlock: null, settledAt: null, failureReason: null })
        .where(inArray(inferences.settlementSeq, seqs));
      await tx
        .update(outbox)
        .set({
          status: "submitted",
          blockNumber: null,
          blockHash: null,
          settledAt: null,
          lastError: `block ${block.number} was reorged out`,
        })
        .where(inArray(outbox.seq, seqs));
      reopened += seqs.length;
    }
    return reopened;
  });
}

/** Takes rows out of the batches until an operator requeues them ({@link releaseQuarantined}); their payers stay charged for them. */
export async function quarantine(db: Db, seqs: readonly bigint[], reason: string): Promise<void> {
  if (seqs.length === 0) return;
  await db
    .update(outbox)
    .set({ status: "quarantined", txHash: null, replacedTxHashes: [], txNonce: null, lastError: reason })
    .where(and(inArray(outbox.seq, [...seqs]), inArray(outbox.status, ["pending", "submitted"])));
}

/** Quarantined rows, oldest first, with why. */
export async function quarantinedRows(db: Db): Promise<{ seq: bigint; inferenceId: string; reason: string | null }[]> {
  return db
    .select({ seq: outbox.seq, inferenceId: outbox.inferenceId, reason: outbox.lastError })
    .from(outbox)
    .where(eq(outbox.status, "quarantined"))
    .orderBy(asc(outbox.seq));
}

/** Puts quarantined rows back in the queue (after the cause was fixed). Returns how many. */
export async function releaseQuarantined(db: Db, seqs: readonly bigint[]): Promise<number> {
  if (seqs.length === 0) return 0;
  const rows = await db
    .update(outbox)
    .set({ status: "pending", attempts: 0, lastError: "released from quarantine" })
    .where(and(inArray(outbox.seq, [...seqs]), eq(outbox.status, "quarantined")))
    .returning({ seq: outbox.seq });
  return rows.length;
}

/** The database sequence that numbers inferences (= their on-chain ids): `settlement_seq`'s bigserial. */
const SEQUENCE = "inferences_settlement_seq_seq";

/** Moves the id sequence past `id` (never back): the next inference is numbered above it. */
export async function continueIdsAfter(db: Db, id: bigint): Promise<void> {
  if (id < 1n) return;
  const value = sql`${id.toString()}::bigint`;
  await db.execute(
    sql`select setval(${SEQUENCE}, ${value}) from ${sql.identifier(SEQUENCE)} where last_value < ${value} or (not is_called and last_value <= ${value})`,
  );
}

/**
 * Gives pending or submitted rows new ids from the sequence (their ids were taken on chain by
 * inferences this database does not know) and queues them again. Returns the new ids, by old id.
 */
export async function renumber(db: Db, seqs: readonly bigint[]): Promise<Map<bigint, bigint>> {
  const renamed = new Map<bigint, bigint>();
  if (seqs.length === 0) return renamed;
  await db.transaction(async (tx) => {
    for (const seq of seqs) {
      const [row] = await tx.delete(outbox).where(eq(outbox.seq, seq)).returning();
      if (!row) continue;
      const { rows } = (await tx.execute(sql`select nextval(${SEQUENCE})::text as next`)) as unknown as { rows: { next: string }[] };
      const { next } = rows[0];
      const fresh = BigInt(next);
      await tx.update(inferences).set({ settlementSeq: fresh }).where(eq(inferences.settlementSeq, seq));
      await tx.insert(outbox).values({
        seq: fresh,
        inferenceId: row.inferenceId,
        status: "pending",
        attempts: row.attempts,
        createdAt: row.createdAt,
        lastError: `id ${seq} was taken on chain; renumbered ${fresh}`,
      });
      renamed.set(seq, fresh);
    }
  });
  return renamed;
}

/** What the inferences among `seqs` add to each API key's spent. */
function chargesOf(tx: DbOrTransaction, seqs: readonly bigint[]) {
  return tx
    .select({ apiKeyId: inferences.apiKeyId, total: sql<string>`sum(${inferences.price})` })
    .from(inferences)
    .where(and(inArray(inferences.settlementSeq, [...seqs]), isNotNull(inferences.apiKeyId)))
    .groupBy(inferences.apiKeyId);
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
export async function outboxCounts(db: Db): Promise<Record<(typeof outbox.status.enumValues)[number], number>> {
  const rows = await db.select({ status: outbox.status, n: sql<string>`count(*)` }).from(outbox).groupBy(outbox.status);
  const counts = { pending: 0, submitted: 0, settled: 0, failed: 0, quarantined: 0 };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}
