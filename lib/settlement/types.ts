/** The settler's types: its parameters, stages, events and results. */
import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import type { Db } from "@/db/client";
import type { Deployment } from "@/lib/chain/deploy";

/** Where the settler is in one batch; tests kill the process at each of these. */
export type SettlerStage =
  | "claimed" // rows chosen, nothing written yet
  | "recorded" // transaction signed and its hash written as "submitted", not yet sent
  | "sent" // transaction sent, receipt not yet seen
  | "mined" // receipt seen, rows not yet marked settled
  | "marked"; // rows marked settled

/** Something the settler did, for logs and metrics. */
export type SettlerEvent =
  | { type: "batch"; txHash: `0x${string}`; settled: number; skipped: number; blockNumber: bigint }
  | { type: "reconciled"; txHash: `0x${string}` | null; settled: number; requeued: number }
  /** A transaction that waited too long was replaced by one with a higher fee under the same nonce. */
  | { type: "replaced"; from: `0x${string}`; to: `0x${string}`; nonce: number }
  /** Blocks holding recorded outcomes left the chain: their rows went back to "submitted". */
  | { type: "reorged"; blocks: bigint[]; reopened: number }
  /** Rows taken out of the batches until an operator requeues them. */
  | { type: "quarantined"; seqs: bigint[]; reason: string }
  /** Rows whose ids were taken on chain got new ones. */
  | { type: "renumbered"; ids: [from: bigint, to: bigint][] }
  /** A round failed and is retried after `retryInMs` (`attempt` ≥ 1), or a failure was only reported (`attempt` 0). */
  | { type: "error"; error: unknown; attempt: number; retryInMs: number };

/** Dependencies and settings of {@link createSettler}. */
export type CreateSettlerParameters = {
  /** The app's database (the outbox lives there). */
  db: Db;
  /** Signs with the settler key (a local account: the hash is recorded before sending). */
  walletClient: WalletClient<Transport, Chain, Account>;
  /** Reads receipts, events and the settled bitmap. */
  publicClient: PublicClient<Transport, Chain | undefined>;
  /** The market (its chain and address: only inferences under its permits are sent), and the block to search its events from (default 0). */
  deployment: Pick<Deployment, "chainId" | "market"> & Partial<Pick<Deployment, "startBlock">>;
  /** Inferences per transaction, at most (default 100). */
  batchSize?: number;
  /** Longest an inference waits before a partial batch is sent, in ms (default 2000). */
  maxWaitMs?: number;
  /**
   * The settlement window in seconds (default `settlementWindowSeconds(maxWaitMs)`): with a backlog,
   * inferences whose permit expires within it are sent first. The composition root gives payments
   * the same value.
   */
  settlementWindowSeconds?: number;
  /** How often the running settler looks at the outbox, in ms (default min(250, maxWaitMs)). */
  pollIntervalMs?: number;
  /**
   * Blocks a batch's block must have (itself included) before its rows are marked settled or
   * failed (default 1: at the receipt). Until then they stay "submitted" and a reorg that drops
   * the batch sends them again.
   */
  confirmations?: number;
  /** How many blocks back settled rows are re-checked for reorgs deeper than `confirmations` (default 64). */
  recheckBlocks?: number;
  /** How long a sent transaction may wait unmined before it is replaced with a higher fee, in ms (default 30000). */
  replaceAfterMs?: number;
  /** The widest block range of one log query (default 5000; public RPCs refuse wider ones). */
  logRangeBlocks?: number;
  /** Batches a row may ride in that revert before it is quarantined (default 3). */
  maxAttempts?: number;
  /** Upper bound of the retry backoff, in ms (default 30000). */
  maxBackoffMs?: number;
  /** Called on every batch, reconciliation and error. */
  onEvent?: (event: SettlerEvent) => void;
  /**
   * Vacuum the payment tables this often, in ms, between batches — for a database that does not
   * vacuum itself (see `needsManualVacuum` in db/maintenance.ts). Default: never.
   */
  vacuumEveryMs?: number;
  /** Called at each stage of a batch (awaited); the crash tests stop the process here. */
  onStage?: (stage: SettlerStage, seqs: readonly bigint[]) => void | Promise<void>;
};

/** What one `drainOnce` did. */
export type DrainResult = {
  /** Transactions sent. */
  batches: number;
  /** Inferences marked settled (including reconciled ones). */
  settled: number;
  /** Inferences the contract refused to charge (marked failed with the reason). */
  failed: number;
  /** "submitted" rows whose transaction never landed and went back to the queue. */
  requeued: number;
  /** Rows taken out of the batches (see the "quarantined" event). */
  quarantined: number;
  /** Settled or failed rows whose block a reorg removed, back to "submitted". */
  reopened: number;
  /** Stuck transactions replaced with a higher fee. */
  replaced: number;
};

/** A running or idle settler. */
export type Settler = {
  /** Starts the background loop (idempotent). */
  start(): void;
  /** Stops the loop and waits for the batch in flight to finish. */
  stop(): Promise<void>;
  /** Reconciles submitted rows, then settles every pending row now (ignoring maxWaitMs). */
  drainOnce(): Promise<DrainResult>;
};
