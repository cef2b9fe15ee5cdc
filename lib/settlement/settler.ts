/**
 * The batch settler. One writer per settler key: batches go out one at a time, each signed
 * first, its hash written to the outbox ("submitted"), then sent. Whatever stops the process,
 * the next start finds every submitted row with the one transaction that may carry it and asks
 * the chain what became of it before anything is sent again.
 */
import {
  decodeEventLog,
  encodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import { vacuumPaymentTables } from "@/db/maintenance";
import { upstreamMarketAbi } from "@/lib/chain/abis";
import { type EncodedSettlementBatch, encodeSettlementBatch, SettlementEncodingError, skipReasonName } from "@/lib/chain/settlement";
import {
  expiringEntries,
  markSubmitted,
  markUnencodable,
  type OutboxEntry,
  type Outcome,
  pendingEntries,
  recordOutcomes,
  requeue,
  submittedEntries,
} from "./outbox";
import type { CreateSettlerParameters, DrainResult, Settler, SettlerStage } from "./types";

/** A settlement transaction reverted as a whole; its rows went back to the queue. */
export class SettlementRevertedError extends Error {
  readonly code = "SETTLEMENT_REVERTED";
  constructor(readonly txHash: Hex) {
    super(`settlement transaction ${txHash} reverted; its inferences are queued again`);
  }
}

/** The bitmap says an id is settled but no InferenceSettled event names it (yet): ask again later. */
export class SettlementEventMissingError extends Error {
  readonly code = "SETTLEMENT_EVENT_MISSING";
  constructor(readonly inferenceId: bigint) {
    super(`inference ${inferenceId} is settled on chain but its InferenceSettled event was not found`);
  }
}

/** How long the settler waits for a batch's receipt, in ms. */
const RECEIPT_TIMEOUT_MS = 120_000;

/**
 * The settlement window, in seconds: the longest a committed inference waits before its batch is
 * mined — the settler's longest wait for a partial batch, plus its wait for the receipt, plus a
 * minute of margin (clock skew, a slow database). Payments grant a hold only under a permit that
 * outlives the hold and this window; the settler sends permits expiring within it first.
 */
export function settlementWindowSeconds(maxWaitMs: number): number {
  return Math.ceil(maxWaitMs / 1000) + RECEIPT_TIMEOUT_MS / 1000 + 60;
}

/** What {@link withdrawalDelayBoundSeconds} adds up. */
export type WithdrawalDelayBoundParameters = {
  /** The settler's longest wait for a partial batch (SETTLE_MAX_WAIT_MS). */
  maxWaitMs: number;
  /** How long a hold lives before it lapses. */
  holdTtlMs: number;
  /** How long payments reuse a payer's read of the market (and so may not yet see a request). */
  balanceCacheMs: number;
};

/**
 * The shortest safe withdrawal delay, in seconds. Payments count a withdrawal request against the
 * free balance once their read of the market shows it, at most `balanceCacheMs` after it was made;
 * a hold granted just before that may be committed up to the hold's life later, and its batch is
 * mined within the settlement window after the commit. So with a delay of at least read staleness
 * + hold life + settlement window, every inference served against the deposit settles before the
 * requested amount can leave.
 */
export function withdrawalDelayBoundSeconds(parameters: WithdrawalDelayBoundParameters): number {
  return (
    Math.ceil(parameters.balanceCacheMs / 1000) + Math.ceil(parameters.holdTtlMs / 1000) + settlementWindowSeconds(parameters.maxWaitMs)
  );
}

const emptyResult = (): DrainResult => ({ batches: 0, settled: 0, failed: 0, requeued: 0 });

/** Creates a settler; call `start()` for the background loop or `drainOnce()` directly. */
export function createSettler(parameters: CreateSettlerParameters): Settler {
  const { db, walletClient, publicClient } = parameters;
  const batchSize = parameters.batchSize ?? 100;
  const maxWaitMs = parameters.maxWaitMs ?? 2_000;
  const pollIntervalMs = parameters.pollIntervalMs ?? Math.max(10, Math.min(250, maxWaitMs));
  const maxBackoffMs = parameters.maxBackoffMs ?? 30_000;
  const receiptTimeoutMs = RECEIPT_TIMEOUT_MS;
  const windowSeconds = BigInt(parameters.settlementWindowSeconds ?? settlementWindowSeconds(maxWaitMs));
  const market = getAddress(parameters.deployment.market);
  const own = { chainId: parameters.deployment.chainId, market };
  const fromBlock = BigInt(parameters.deployment.startBlock ?? 0);
  const account = walletClient.account;
  const emit = parameters.onEvent ?? (() => undefined);
  const stage = async (name: SettlerStage, entries: readonly OutboxEntry[]) => {
    await parameters.onStage?.(
      name,
      entries.map((e) => e.seq),
    );
  };

  let nonce: number | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  // One batch at a time, whether from the loop or from drainOnce: nonces stay in order.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const receiptOf = async (hash: Hex): Promise<TransactionReceipt | null> => {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return null;
      throw error;
    }
  };

  const knownTransaction = async (hash: Hex): Promise<boolean> => {
    try {
      await publicClient.getTransaction({ hash });
      return true;
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return false;
      throw error;
    }
  };

  const waitForReceipt = (hash: Hex) =>
    publicClient.waitForTransactionReceipt({ hash, pollingInterval: Math.min(pollIntervalMs, 250), timeout: receiptTimeoutMs });

  /** For ids the chain already settled: ours if the event matches the row, else an id collision. */
  const resolveSettledElsewhere = async (entries: readonly OutboxEntry[]): Promise<Outcome[]> => {
    if (entries.length === 0) return [];
    const logs = await publicClient.getContractEvents({
      address: market,
      abi: upstreamMarketAbi,
      eventName: "InferenceSettled",
      args: { inferenceId: entries.map((e) => e.seq) },
      fromBlock,
      toBlock: "latest",
    });
    const byId = new Map(logs.map((log) => [log.args.inferenceId as bigint, log]));
    return entries.map((e): Outcome => {
      const log = byId.get(e.seq);
      if (!log) throw new SettlementEventMissingError(e.seq);
      const ours =
        (log.args.payer as string).toLowerCase() === e.settlement.permit.payer.toLowerCase() &&
        log.args.price === e.settlement.price &&
        (log.args.attributionHash as string).toLowerCase() === e.settlement.attributionHash.toLowerCase();
      return ours
        ? { seq: e.seq, settled: { txHash: log.transactionHash!, blockNumber: log.blockNumber! } }
        : { seq: e.seq, failed: "ID_COLLISION" };
    });
  };

  /** Turns a receipt of a batch into settled/failed outcomes and records them. */
  const applyReceipt = async (receipt: TransactionReceipt, entries: readonly OutboxEntry[], result: DrainResult) => {
    const seqs = entries.map((e) => e.seq);
    if (receipt.status !== "success") {
      await requeue(db, seqs, `batch reverted in ${receipt.transactionHash}`);
      result.requeued += seqs.length;
      throw new SettlementRevertedError(receipt.transactionHash);
    }
    const settledIds = new Set<bigint>();
    const skipped = new Map<bigint, string>();
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== market.toLowerCase()) continue;
      try {
        const event = decodeEventLog({ abi: upstreamMarketAbi, data: log.data, topics: log.topics });
        if (event.eventName === "InferenceSettled") settledIds.add(event.args.inferenceId);
        if (event.eventName === "InferenceSkipped") skipped.set(event.args.inferenceId, skipReasonName(Number(event.args.reason)));
      } catch {
        // not an event of ours
      }
    }
    const outcomes: Outcome[] = [];
    const elsewhere: OutboxEntry[] = [];
    const missing: bigint[] = [];
    for (const e of entries) {
      const reason = skipped.get(e.seq);
      if (settledIds.has(e.seq))
        outcomes.push({ seq: e.seq, settled: { txHash: receipt.transactionHash, blockNumber: receipt.blockNumber } });
      else if (reason === "AlreadySettled") elsewhere.push(e);
      else if (reason) outcomes.push({ seq: e.seq, failed: reason });
      else missing.push(e.seq);
    }
    outcomes.push(...(await resolveSettledElsewhere(elsewhere)));
    await recordOutcomes(db, outcomes);
    await requeue(db, missing, `not in the events of ${receipt.transactionHash}`);
    result.requeued += missing.length;
    for (const o of outcomes) {
      if ("settled" in o) result.settled++;
      else result.failed++;
    }
    return outcomes;
  };

  /** Settles what a submitted transaction carried, or queues it again if it never landed. */
  const reconcile = async (result: DrainResult) => {
    const byTx = await submittedEntries(db, own);
    for (const [hash, entries] of byTx) {
      let receipt = await receiptOf(hash);
      if (!receipt && (await knownTransaction(hash))) receipt = await waitForReceipt(hash);
      if (receipt) {
        const outcomes = await applyReceipt(receipt, entries, result);
        emit({ type: "reconciled", txHash: hash, settled: outcomes.filter((o) => "settled" in o).length, requeued: 0 });
        continue;
      }
      // Never landed. Its ids may still have settled through an earlier transaction: the bitmap says.
      const flags = await Promise.all(
        entries.map((e) =>
          publicClient.readContract({ address: market, abi: upstreamMarketAbi, functionName: "isSettled", args: [e.seq] }),
        ),
      );
      const settledEntries = entries.filter((_, i) => flags[i]);
      const outcomes = await resolveSettledElsewhere(settledEntries);
      await recordOutcomes(db, outcomes);
      const requeued = entries.filter((_, i) => !flags[i]).map((e) => e.seq);
      await requeue(db, requeued, `transaction ${hash} never landed`);
      nonce = undefined;
      result.settled += outcomes.filter((o) => "settled" in o).length;
      result.failed += outcomes.filter((o) => "failed" in o).length;
      result.requeued += requeued.length;
      emit({ type: "reconciled", txHash: null, settled: settledEntries.length, requeued: requeued.length });
    }
  };

  /** Encodes the batch; rows that cannot be encoded are marked failed and left out. */
  const encode = async (entries: OutboxEntry[], result: DrainResult): Promise<{ batch?: EncodedSettlementBatch; kept: OutboxEntry[] }> => {
    try {
      return { batch: encodeSettlementBatch(entries.map((e) => e.settlement)), kept: entries };
    } catch (error) {
      if (!(error instanceof SettlementEncodingError)) throw error;
      const bad = entries.filter((e) => {
        try {
          encodeSettlementBatch([e.settlement]);
          return false;
        } catch {
          return true;
        }
      });
      await markUnencodable(
        db,
        bad.map((e) => e.seq),
        `ENCODING: ${error.message}`,
      );
      result.failed += bad.length;
      return { kept: entries.filter((e) => !bad.includes(e)) };
    }
  };

  // The chain's clock (permits expire by block time), kept as an offset from the wall clock, read at
  // most every 10 s and then off the batch's path: awaiting a block read before every batch (~100 ms
  // under load) let the outbox grow, which slows every authorization — bench:gateway lost ~12%.
  const wallSeconds = () => BigInt(Math.floor(Date.now() / 1000));
  let clock: { offset: bigint; at: number } | undefined;
  let clockRead: Promise<void> | undefined;
  const readClock = () =>
    (clockRead ??= publicClient
      .getBlock({ blockTag: "latest" })
      .then((block) => {
        clock = { offset: block.timestamp - wallSeconds(), at: Date.now() };
      })
      .finally(() => {
        clockRead = undefined;
      }));
  const chainNow = async (): Promise<bigint> => {
    if (!clock) await readClock();
    else if (Date.now() - clock.at > 10_000) readClock().catch(() => undefined);
    const wall = wallSeconds();
    const chain = wall + clock!.offset;
    return chain > wall ? chain : wall;
  };

  /**
   * The next batch: the first pending rows in sequence order, except that with more pending than
   * a batch holds, rows whose permit expires within the settlement window go first (a row that
   * waited behind the queue past its permit's expiry would be skipped, and the answer go free).
   */
  const nextBatch = async (): Promise<OutboxEntry[]> => {
    const entries = await pendingEntries(db, own, batchSize);
    if (entries.length < batchSize) return entries; // every pending row goes now: order does not matter
    const now = await chainNow();
    const urgent = await expiringEntries(db, own, { after: now, before: now + windowSeconds }, batchSize);
    if (urgent.length === 0) return entries;
    const first = new Set(urgent.map((e) => e.seq));
    return [...urgent, ...entries.filter((e) => !first.has(e.seq))].slice(0, batchSize);
  };

  /** Sends the next batch if one is due (or any pending rows when `force`); true when work was done. */
  const settleNext = async (result: DrainResult, force: boolean): Promise<boolean> => {
    const entries = await nextBatch();
    if (entries.length === 0) return false;
    if (!force && entries.length < batchSize && Date.now() - entries[0].createdAt.getTime() < maxWaitMs) return false;
    const { batch, kept } = await encode(entries, result);
    if (!batch) return true;
    await stage("claimed", kept);
    const data = encodeFunctionData({
      abi: upstreamMarketAbi,
      functionName: "settleBatch",
      args: [batch.permits, batch.payees, batch.words],
    });
    nonce ??= await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
    const request = await walletClient.prepareTransactionRequest({ account, chain: walletClient.chain, to: market, data, nonce });
    const serialized = await walletClient.signTransaction(request as Parameters<typeof walletClient.signTransaction>[0]);
    const hash = keccak256(serialized);
    await markSubmitted(
      db,
      kept.map((e) => e.seq),
      hash,
      nonce,
    );
    await stage("recorded", kept);
    try {
      await publicClient.sendRawTransaction({ serializedTransaction: serialized });
    } catch (error) {
      // The rows stay "submitted": the next reconcile asks the chain whether this hash landed.
      nonce = undefined;
      throw error;
    }
    nonce += 1;
    await stage("sent", kept);
    const receipt = await waitForReceipt(hash);
    await stage("mined", kept);
    const outcomes = await applyReceipt(receipt, kept, result);
    await stage("marked", kept);
    result.batches++;
    emit({
      type: "batch",
      txHash: hash,
      blockNumber: receipt.blockNumber,
      settled: outcomes.filter((o) => "settled" in o).length,
      skipped: outcomes.filter((o) => "failed" in o).length,
    });
    return true;
  };

  let vacuumedAt = Date.now();
  const vacuumIfDue = async () => {
    const every = parameters.vacuumEveryMs;
    if (!every || Date.now() - vacuumedAt < every) return;
    vacuumedAt = Date.now();
    await vacuumPaymentTables(db);
  };

  const run = async () => {
    let attempt = 0;
    while (running) {
      try {
        const worked = await exclusive(async () => {
          const result = emptyResult();
          await reconcile(result);
          const settled = (await settleNext(result, false)) || result.requeued > 0;
          await vacuumIfDue();
          return settled;
        });
        attempt = 0;
        if (!worked && running) await sleep(pollIntervalMs);
      } catch (error) {
        attempt++;
        const retryInMs = Math.min(maxBackoffMs, 250 * 2 ** Math.min(attempt - 1, 16));
        emit({ type: "error", error, attempt, retryInMs });
        if (running) await sleep(retryInMs);
      }
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = undefined;
      await queue;
    },
    drainOnce() {
      return exclusive(async () => {
        const result = emptyResult();
        await reconcile(result);
        for (;;) {
          const before = result.settled + result.failed;
          // Stop when a batch moved nothing to a final state, so a misbehaving chain cannot spin us.
          if (!(await settleNext(result, true)) || result.settled + result.failed === before) break;
        }
        return result;
      });
    },
  };
}
