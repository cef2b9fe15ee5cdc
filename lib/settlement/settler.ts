/**
 * The batch settler. One writer per settler key: batches go out one at a time, each signed
 * first, its hash written to the outbox ("submitted"), then sent. Whatever stops the process,
 * the next start finds every submitted row with the transactions that may carry it and asks
 * the chain what became of them before anything is sent again.
 *
 * Rows become settled (or failed) only once their batch's block has `confirmations` blocks, and
 * the blocks of recent outcomes are re-checked: a batch a reorg removed is sent again (the
 * settled bitmap makes that safe). A transaction that waits unmined is replaced with a higher
 * fee under the same nonce. A row that cannot be processed is quarantined, not retried before
 * every batch. Log reads go in bounded block ranges, and ids continue after the chain's.
 */
import {
  BaseError,
  BlockNotFoundError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  decodeEventLog,
  ExecutionRevertedError,
  encodeFunctionData,
  getAddress,
  type Hex,
  isHex,
  keccak256,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  WaitForTransactionReceiptTimeoutError,
} from "viem";
import { vacuumPaymentTables } from "@/db/maintenance";
import { upstreamMarketAbi } from "@/lib/chain/abis";
import { type EncodedSettlementBatch, encodeSettlementBatch, SettlementEncodingError, skipReasonName } from "@/lib/chain/settlement";
import {
  continueIdsAfter,
  expiringEntries,
  markReplaced,
  markSubmitted,
  markUnencodable,
  type OutboxEntry,
  type Outcome,
  outcomeBlocksSince,
  pendingEntries,
  quarantine,
  REVERTED_BATCH,
  recordOutcomes,
  renumber,
  reopenBlocks,
  requeue,
  type SubmittedTransaction,
  submittedTransactions,
} from "./outbox";
import type { CreateSettlerParameters, DrainResult, Settler, SettlerStage } from "./types";

/** A settlement transaction reverted as a whole; its rows went back to the queue (reported as an error event). */
export class SettlementRevertedError extends Error {
  readonly code = "SETTLEMENT_REVERTED";
  constructor(readonly txHash: Hex) {
    super(`settlement transaction ${txHash} reverted; its inferences are queued again`);
  }
}

/**
 * What the settlement window allows for mining a sent batch, in ms: four rounds of replacement at
 * the default SETTLE_REPLACE_AFTER_MS, each at a fee above the chain's estimate.
 */
const MINING_ALLOWANCE_MS = 120_000;

/**
 * The settlement window, in seconds: the longest a committed inference waits before its batch is
 * mined — the settler's longest wait for a partial batch, plus the allowance for mining it
 * (replacements included), plus a minute of margin (clock skew, a slow database). Payments grant a hold only under a permit that
 * outlives the hold and this window; the settler sends permits expiring within it first.
 */
export function settlementWindowSeconds(maxWaitMs: number): number {
  return Math.ceil(maxWaitMs / 1000) + MINING_ALLOWANCE_MS / 1000 + 60;
}

/** What {@link withdrawalDelayBoundSeconds} adds up. */
export type WithdrawalDelayBoundParameters = {
  /** The settler's longest wait for a partial batch (SETTLE_MAX_WAIT_MS). */
  maxWaitMs: number;
  /** How long a hold lives before it lapses. */
  holdTtlMs: number;
  /** How long payments reuse a payer's read of the market (and so may not yet see a request). */
  balanceCacheMs: number;
  /** Blocks a settlement waits for before it counts (SETTLE_CONFIRMATIONS; default 1). */
  confirmations?: number;
  /** The chain's block interval (CHAIN_BLOCK_TIME_MS; default 0). */
  blockTimeMs?: number;
};

/**
 * The shortest safe withdrawal delay, in seconds. Payments count a withdrawal request against the
 * free balance once their read of the market shows it, at most `balanceCacheMs` after it was made;
 * a hold granted just before that may be committed up to the hold's life later, and its batch is
 * mined within the settlement window after the commit, and buried under its confirmations some
 * blocks later. So with a delay of at least read staleness + hold life + settlement window +
 * confirmations, every inference served against the deposit settles for good before the
 * requested amount can leave.
 */
export function withdrawalDelayBoundSeconds(parameters: WithdrawalDelayBoundParameters): number {
  const confirming = Math.ceil(((Math.max(1, parameters.confirmations ?? 1) - 1) * (parameters.blockTimeMs ?? 0)) / 1000);
  return (
    Math.ceil(parameters.balanceCacheMs / 1000) +
    Math.ceil(parameters.holdTtlMs / 1000) +
    settlementWindowSeconds(parameters.maxWaitMs) +
    confirming
  );
}

const emptyResult = (): DrainResult => ({ batches: 0, settled: 0, failed: 0, requeued: 0, quarantined: 0, reopened: 0, replaced: 0 });

/** A fee raised enough for a node to accept the replacement (at least 12.5% more, as geth requires). */
const bumped = (fee: bigint) => fee + fee / 8n + 1n;
/**
 * A replacement never offers more than this many times the chain's current fee estimate: a
 * transaction that stays unmined for another reason (a node that does not relay it) is not
 * re-priced without end. It waits instead, and is replaced once the estimate catches up.
 */
const FEE_CEILING = 4n;
const larger = (a: bigint, b: bigint) => (a > b ? a : b);

/** Whether an error is the chain refusing the call (a revert), not a failure to reach it. */
const isRevert = (error: unknown) =>
  error instanceof BaseError &&
  Boolean(error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ExecutionRevertedError));

/** What a revert says: the market's custom error by name when it can be decoded, else the node's words. */
function revertReason(error: unknown): string {
  if (error instanceof BaseError) {
    const carrier = error.walk((e) => typeof (e as { data?: unknown }).data === "string") as { data?: unknown } | null;
    const data = carrier?.data;
    if (typeof data === "string" && isHex(data) && data.length >= 10) {
      try {
        const decoded = decodeErrorResult({ abi: upstreamMarketAbi, data });
        return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(", ")})`;
      } catch {
        // not one of the market's errors
      }
    }
    return error.shortMessage.replace(/\p{Cc}/gu, "");
  }
  return String(error).replace(/\p{Cc}/gu, "");
}

/** Creates a settler; call `start()` for the background loop or `drainOnce()` directly. */
export function createSettler(parameters: CreateSettlerParameters): Settler {
  const { db, walletClient, publicClient } = parameters;
  const batchSize = parameters.batchSize ?? 100;
  const maxWaitMs = parameters.maxWaitMs ?? 2_000;
  const pollIntervalMs = parameters.pollIntervalMs ?? Math.max(10, Math.min(250, maxWaitMs));
  const maxBackoffMs = parameters.maxBackoffMs ?? 30_000;
  const confirmations = BigInt(Math.max(1, parameters.confirmations ?? 1));
  const recheckBlocks = BigInt(parameters.recheckBlocks ?? 64);
  const replaceAfterMs = parameters.replaceAfterMs ?? 30_000;
  const logRange = BigInt(Math.max(1, parameters.logRangeBlocks ?? 5_000));
  const maxAttempts = parameters.maxAttempts ?? 3;
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

  const transactionOf = async (hash: Hex) => {
    try {
      return await publicClient.getTransaction({ hash });
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return null;
      throw error;
    }
  };

  /** The receipt of `hash` within `timeoutMs`, or null when it has not been mined by then. */
  const receiptWithin = async (hash: Hex, timeoutMs: number): Promise<TransactionReceipt | null> => {
    if (timeoutMs <= 0) return receiptOf(hash);
    try {
      return await publicClient.waitForTransactionReceipt({ hash, pollingInterval: Math.min(pollIntervalMs, 250), timeout: timeoutMs });
    } catch (error) {
      if (error instanceof WaitForTransactionReceiptTimeoutError) return null;
      throw error;
    }
  };

  const confirmed = (receipt: TransactionReceipt, head: bigint) => head - receipt.blockNumber + 1n >= confirmations;

  /**
   * Reads the market's InferenceSettled logs (of `ids`, or all) from the head back to the start
   * block in ranges of at most `logRange` blocks, until `enough` says the logs read so far suffice.
   */
  const scanSettledBack = async (ids: bigint[] | undefined, enough: (logs: SettledLog[]) => boolean): Promise<SettledLog[]> => {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    const found: SettledLog[] = [];
    for (let to = head; to >= fromBlock; to -= logRange) {
      const from = to - logRange + 1n > fromBlock ? to - logRange + 1n : fromBlock;
      found.push(...(await readSettled(from, to, ids)));
      if (enough(found) || from === fromBlock) break;
    }
    return found;
  };
  const readSettled = (from: bigint, to: bigint, ids: bigint[] | undefined) =>
    publicClient.getContractEvents({
      address: market,
      abi: upstreamMarketAbi,
      eventName: "InferenceSettled",
      ...(ids ? { args: { inferenceId: ids } } : {}),
      fromBlock: from,
      toBlock: to,
      strict: true,
    });
  type SettledLog = Awaited<ReturnType<typeof readSettled>>[number];

  // Ids come from the database's sequence; a database started afresh against a used market would
  // number new inferences with ids the chain already settled. Once per settler, the sequence is
  // moved past the newest id on chain; a collision found later is renumbered, never written off.
  let idsContinued = false;
  const continueIds = async () => {
    const logs = await scanSettledBack(undefined, (found) => found.length > 0);
    let max = 0n;
    for (const log of logs) if (log.args.inferenceId > max) max = log.args.inferenceId;
    await continueIdsAfter(db, max);
    idsContinued = true;
  };

  /**
   * For ids the chain already settled: ours if the event matches the row; a collision (the id was
   * taken by an inference this database does not know) gets a new id; a row whose event cannot
   * be found is quarantined rather than stopping every batch behind it.
   */
  const resolveSettledElsewhere = async (entries: readonly OutboxEntry[], result: DrainResult): Promise<Outcome[]> => {
    if (entries.length === 0) return [];
    const wanted = new Set(entries.map((e) => e.seq));
    const logs = await scanSettledBack([...wanted], (found) => [...wanted].every((id) => found.some((log) => log.args.inferenceId === id)));
    const byId = new Map(logs.map((log) => [log.args.inferenceId, log]));
    const outcomes: Outcome[] = [];
    const collided: bigint[] = [];
    const missing: bigint[] = [];
    for (const e of entries) {
      const log = byId.get(e.seq);
      if (!log) {
        missing.push(e.seq);
        continue;
      }
      const ours =
        log.args.payer.toLowerCase() === e.settlement.permit.payer.toLowerCase() &&
        log.args.permitNonce === e.settlement.permit.nonce &&
        log.args.price === e.settlement.price &&
        log.args.attributionHash.toLowerCase() === e.settlement.attributionHash.toLowerCase();
      if (ours)
        outcomes.push({ seq: e.seq, settled: { txHash: log.transactionHash, blockNumber: log.blockNumber, blockHash: log.blockHash } });
      else collided.push(e.seq);
    }
    if (missing.length > 0) {
      const reason = "SETTLEMENT_EVENT_MISSING: settled on chain, but no InferenceSettled event names it";
      await quarantine(db, missing, reason);
      result.quarantined += missing.length;
      emit({ type: "quarantined", seqs: missing, reason });
    }
    if (collided.length > 0) {
      await continueIds();
      const renamed = await renumber(db, collided);
      result.requeued += renamed.size;
      emit({ type: "renumbered", ids: [...renamed] });
    }
    return outcomes;
  };

  /** Turns a receipt of a batch into settled/failed outcomes and records them. */
  const applyReceipt = async (receipt: TransactionReceipt, entries: readonly OutboxEntry[], result: DrainResult) => {
    const seqs = entries.map((e) => e.seq);
    if (receipt.status !== "success") {
      // A batch that passed its gas estimate and reverted on chain (a contract payer that behaves
      // differently when mined, say): its rows go back to the queue marked, and each is then sent
      // alone; a row whose own batch keeps reverting is taken out after `maxAttempts` sends, so it
      // cannot stop every batch after it, and the innocent rows settle.
      const worn = entries.length === 1 ? entries.filter((e) => e.attempts >= maxAttempts).map((e) => e.seq) : [];
      const reason = `SETTLEMENT_REVERTED: sent ${maxAttempts} times, alone at the end, and reverted each time, the last in ${receipt.transactionHash}`;
      await quarantine(db, worn, reason);
      if (worn.length > 0) emit({ type: "quarantined", seqs: worn, reason });
      result.quarantined += worn.length;
      const again = seqs.filter((seq) => !worn.includes(seq));
      await requeue(db, again, `${REVERTED_BATCH} ${receipt.transactionHash}`);
      result.requeued += again.length;
      emit({ type: "error", error: new SettlementRevertedError(receipt.transactionHash), attempt: 0, retryInMs: 0 });
      return [];
    }
    const at = { txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash };
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
      if (settledIds.has(e.seq)) outcomes.push({ seq: e.seq, settled: at });
      else if (reason === "AlreadySettled") elsewhere.push(e);
      else if (reason) outcomes.push({ seq: e.seq, failed: reason, at });
      else missing.push(e.seq);
    }
    outcomes.push(...(await resolveSettledElsewhere(elsewhere, result)));
    await recordOutcomes(db, outcomes);
    await requeue(db, missing, `not in the events of ${receipt.transactionHash}`);
    result.requeued += missing.length;
    for (const o of outcomes) {
      if ("settled" in o) result.settled++;
      else result.failed++;
    }
    return outcomes;
  };

  /**
   * Signs the transaction of `sent` again with the same nonce and data and a fee above both its
   * own and the chain's current one, records the new hash (keeping the old: either may land),
   * then sends it.
   */
  const replace = async (sent: SubmittedTransaction, known: NonNullable<Awaited<ReturnType<typeof transactionOf>>>): Promise<boolean> => {
    const fees = await publicClient.estimateFeesPerGas();
    const maxPriorityFeePerGas = larger(bumped(known.maxPriorityFeePerGas ?? 0n), fees.maxPriorityFeePerGas);
    const maxFeePerGas = larger(larger(bumped(known.maxFeePerGas ?? known.gasPrice ?? 0n), fees.maxFeePerGas), maxPriorityFeePerGas);
    if (maxFeePerGas > fees.maxFeePerGas * FEE_CEILING) return false;
    const serialized = await walletClient.signTransaction({
      account,
      chain: walletClient.chain,
      to: market,
      data: known.input,
      nonce: known.nonce,
      gas: known.gas,
      maxFeePerGas,
      maxPriorityFeePerGas,
    } as Parameters<typeof walletClient.signTransaction>[0]);
    const hash = keccak256(serialized);
    await markReplaced(db, sent.hash, hash);
    try {
      await publicClient.sendRawTransaction({ serializedTransaction: serialized });
    } catch (error) {
      // Mined meanwhile ("nonce too low") or refused: the next reconcile asks after every hash.
      emit({ type: "error", error, attempt: 0, retryInMs: 0 });
    }
    emit({ type: "replaced", from: sent.hash, to: hash, nonce: known.nonce });
    return true;
  };

  /**
   * Settles what submitted transactions carried once their block is deep enough, replaces one
   * that waited too long, or queues the rows again if none of its transactions will land.
   * Returns whether a transaction of ours is still waiting to be mined (nothing new is sent
   * behind it: it would wait behind the same nonce).
   */
  const reconcile = async (result: DrainResult): Promise<boolean> => {
    let waiting = false;
    let head: bigint | undefined;
    for (const sent of await submittedTransactions(db, own)) {
      const hashes = [sent.hash, ...sent.replaced];
      let receipt: TransactionReceipt | null = null;
      for (const hash of hashes) if (!receipt) receipt = await receiptOf(hash);
      if (!receipt) {
        const known = await firstKnown(hashes);
        if (known) {
          const age = Date.now() - (sent.submittedAt?.getTime() ?? 0);
          receipt = await receiptWithin(known.hash, Math.min(replaceAfterMs - age, replaceAfterMs));
          if (!receipt) {
            waiting = true;
            if (Date.now() - (sent.submittedAt?.getTime() ?? 0) >= replaceAfterMs && (await replace(sent, known))) result.replaced++;
            continue;
          }
        }
      }
      if (receipt) {
        head ??= await publicClient.getBlockNumber({ cacheTime: 0 });
        if (!confirmed(receipt, larger(receipt.blockNumber, head))) continue;
        const outcomes = await applyReceipt(receipt, sent.entries, result);
        emit({ type: "reconciled", txHash: receipt.transactionHash, settled: outcomes.filter((o) => "settled" in o).length, requeued: 0 });
        continue;
      }
      // None of its transactions will land. Its ids may still have settled through an earlier
      // transaction: the bitmap says.
      const { entries } = sent;
      const flags = await Promise.all(
        entries.map((e) =>
          publicClient.readContract({ address: market, abi: upstreamMarketAbi, functionName: "isSettled", args: [e.seq] }),
        ),
      );
      const settledEntries = entries.filter((_, i) => flags[i]);
      const outcomes = await resolveSettledElsewhere(settledEntries, result);
      await recordOutcomes(db, outcomes);
      const requeued = entries.filter((_, i) => !flags[i]).map((e) => e.seq);
      await requeue(db, requeued, `transaction ${sent.hash} never landed`);
      nonce = undefined;
      result.settled += outcomes.length;
      result.requeued += requeued.length;
      emit({ type: "reconciled", txHash: null, settled: outcomes.length, requeued: requeued.length });
    }
    return waiting;
  };

  const firstKnown = async (hashes: readonly Hex[]) => {
    for (const hash of hashes) {
      const known = await transactionOf(hash);
      if (known && known.blockNumber === null) return known;
    }
    return null;
  };

  /**
   * Looks again at the blocks holding recorded outcomes within `recheckBlocks` of the head. The
   * newest is enough while it stands (a reorg that removed an older block changed every block
   * after it); otherwise each is checked and those gone have their rows reopened.
   */
  let recheckedAt: Hex | undefined;
  const recheck = async (result: DrainResult) => {
    const latest = await publicClient.getBlock({ blockTag: "latest" });
    if (latest.hash === recheckedAt) return; // the same head (a reorg changes it, even at the same height)
    const head = latest.number;
    const blocks = await outcomeBlocksSince(db, own, head > recheckBlocks ? head - recheckBlocks : 0n);
    const gone = [];
    for (const block of blocks) {
      const current = await publicClient.getBlock({ blockNumber: block.number }).catch((error) => {
        if (error instanceof BlockNotFoundError) return null;
        throw error;
      });
      if (current?.hash === block.hash) break;
      gone.push(block);
    }
    if (gone.length > 0) {
      const reopened = await reopenBlocks(db, gone);
      result.reopened += reopened;
      nonce = undefined;
      emit({ type: "reorged", blocks: gone.map((b) => b.number), reopened });
    }
    recheckedAt = latest.hash;
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

  const callData = (batch: EncodedSettlementBatch) =>
    encodeFunctionData({ abi: upstreamMarketAbi, functionName: "settleBatch", args: [batch.permits, batch.payees, batch.words] });

  /**
   * The batch would revert: finds the rows that make it revert on their own and quarantines them
   * (the rest go in the next batch). Returns how many; none means the batch as a whole is the
   * problem, and the caller reports the error.
   */
  const isolateReverting = async (entries: readonly OutboxEntry[], error: unknown, result: DrainResult) => {
    const bad: bigint[] = [];
    for (const e of entries) {
      try {
        await publicClient.estimateGas({ account, to: market, data: callData(encodeSettlementBatch([e.settlement])) });
      } catch (single) {
        if (isRevert(single)) bad.push(e.seq);
        else throw single;
      }
    }
    // Every row reverting alone says the cause is not in the rows (the role revoked, the market
    // replaced): nothing is quarantined, the error is reported and the batch retried.
    if (bad.length === entries.length) return 0;
    const reason = `SETTLEMENT_REVERTS: ${revertReason(error)}`;
    await quarantine(db, bad, reason);
    if (bad.length > 0) emit({ type: "quarantined", seqs: bad, reason });
    result.quarantined += bad.length;
    return bad.length;
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
    const suspect = entries.find((e) => e.suspect);
    if (suspect) return [suspect];
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
    const data = callData(batch);
    nonce ??= await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
    let request;
    try {
      request = await walletClient.prepareTransactionRequest({ account, chain: walletClient.chain, to: market, data, nonce });
    } catch (error) {
      if (isRevert(error) && (await isolateReverting(kept, error, result)) > 0) return true;
      throw error;
    }
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
    result.batches++;
    await stage("sent", kept);
    const receipt = await receiptWithin(hash, replaceAfterMs);
    if (!receipt) return true; // still unmined: reconcile waits for it, and replaces it if it stays stuck
    await stage("mined", kept);
    if (!confirmed(receipt, receipt.blockNumber)) return true; // reconcile records it once deep enough
    const outcomes = await applyReceipt(receipt, kept, result);
    await stage("marked", kept);
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

  /** One round: ids, reorgs and submitted transactions first; then a batch unless one is still unmined. */
  const round = async (result: DrainResult, force: boolean) => {
    if (!idsContinued) await continueIds();
    await recheck(result);
    if (await reconcile(result)) return true;
    return settleNext(result, force);
  };

  const run = async () => {
    let attempt = 0;
    while (running) {
      try {
        const worked = await exclusive(async () => {
          const result = emptyResult();
          const settled = (await round(result, false)) || result.requeued > 0 || result.reopened > 0;
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
        for (;;) {
          const before = result.settled + result.failed + result.quarantined + result.requeued + result.reopened;
          const worked = await round(result, true);
          // Stop when a round moved nothing, so a misbehaving chain cannot spin us.
          if (!worked || result.settled + result.failed + result.quarantined + result.requeued + result.reopened === before) break;
        }
        return result;
      });
    },
  };
}
