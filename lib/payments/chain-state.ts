/**
 * Reads of the market that payment checks need — a payer's deposit, its pending withdrawal request
 * and a permit's settled amount — taken at one block and reused briefly. Each read names its block, so the holds code
 * can count exactly the inferences the chain had not settled by then: a cached read is never
 * stale in the direction that would over-spend.
 */
import type { Address, Chain, PublicClient, Transport } from "viem";
import { upstreamMarketAbi } from "@/lib/chain/abis";

/** A payer's state on the market at one block. */
export type PayerSnapshot = {
  /** The block the values were read at. */
  blockNumber: bigint;
  /** That block's timestamp (unix seconds). */
  timestamp: bigint;
  /** Deposit balance at that block. */
  deposit: bigint;
  /**
   * Amount of the payer's pending withdrawal request at that block (0 when none or expired), ready
   * or not: once ready it can leave before the next batch lands, so it is never free to hold.
   */
  pendingWithdrawal: bigint;
  /** When that request becomes withdrawable (unix seconds; 0 when none). */
  withdrawalReadyAt: bigint;
  /** Amount settled on chain under each permit nonce read so far, at that block. */
  spentByNonce: Map<bigint, bigint>;
};

/** On-chain settlement state of one (payer, nonce). */
export type PermitChainState = {
  /** Charged so far under the nonce. */
  spent: bigint;
  /** Cap of the permit first charged under the nonce, as the market keeps it (see storedPermitTerms). */
  cap: bigint;
  /** Expiry of that permit, as the market keeps it; 0 while nothing was charged under the nonce. */
  expiry: bigint;
};

type Block = { number: bigint; timestamp: bigint; fetchedAt: number };
type Entry = { fetchedAt: number; snapshot: Promise<PayerSnapshot> };

/** Cached reads of one market. */
/** The protocol fees (basis points) a split may use now; `previous` equals `current` outside a change's grace. */
export type AcceptedFees = { current: number; previous: number };

export type MarketReader = {
  /** The payer's snapshot with the settled amounts of `nonces`, at most `cacheMs` old. */
  payer(payer: Address, nonces: readonly bigint[]): Promise<PayerSnapshot>;
  /** A permit nonce's current state (uncached: used once per registration). */
  permitState(payer: Address, nonce: bigint): Promise<PermitChainState>;
  /** The current chain time estimate (last block's timestamp plus the time since it was read). */
  now(): Promise<bigint>;
  /**
   * The fees a split may use (reread at most once a minute): the market's fee in force and the one
   * before its last change, which settles until the change's grace (FEE_GRACE, a day) ends.
   */
  fees(): Promise<AcceptedFees>;
};

/** Creates a reader of the market at `market` that reuses reads for `cacheMs`. */
export function createMarketReader(
  publicClient: PublicClient<Transport, Chain | undefined>,
  market: Address,
  cacheMs: number,
): MarketReader {
  let block: Promise<Block> | undefined;
  let blockFetchedAt = -Infinity;
  const payers = new Map<string, Entry>();
  let fee: { value: Promise<AcceptedFees>; at: number } | undefined;

  const latestBlock = (): Promise<Block> => {
    if (!block || Date.now() - blockFetchedAt > cacheMs) {
      blockFetchedAt = Date.now();
      block = publicClient.getBlock({ blockTag: "latest" }).then(
        (b) => ({ number: b.number!, timestamp: b.timestamp, fetchedAt: Date.now() }),
        (error) => {
          block = undefined;
          throw error;
        },
      );
    }
    return block;
  };

  const spentAt = async (payer: Address, nonce: bigint, blockNumber: bigint): Promise<bigint> => {
    const state = await publicClient.readContract({
      address: market,
      abi: upstreamMarketAbi,
      functionName: "permitStateOf",
      args: [payer, nonce],
      blockNumber,
    });
    return BigInt(state.spent);
  };

  const fresh = async (payer: Address, nonces: readonly bigint[]): Promise<PayerSnapshot> => {
    const b = await latestBlock();
    // The request is read beside the deposit, at the same block and in parallel: no added latency.
    const [deposit, withdrawal, ...spent] = await Promise.all([
      publicClient.readContract({
        address: market,
        abi: upstreamMarketAbi,
        functionName: "depositOf",
        args: [payer],
        blockNumber: b.number,
      }),
      publicClient.readContract({
        address: market,
        abi: upstreamMarketAbi,
        functionName: "withdrawalOf",
        args: [payer],
        blockNumber: b.number,
      }),
      ...nonces.map((n) => spentAt(payer, n, b.number)),
    ]);
    // An expired request can no longer be withdrawn (the market reverts WithdrawalExpired).
    const live = withdrawal.readyAt !== 0n && withdrawal.expiresAt > b.timestamp;
    return {
      blockNumber: b.number,
      timestamp: b.timestamp,
      deposit: deposit as bigint,
      pendingWithdrawal: live ? withdrawal.amount : 0n,
      withdrawalReadyAt: live ? withdrawal.readyAt : 0n,
      spentByNonce: new Map(nonces.map((n, i) => [n, spent[i] as bigint])),
    };
  };

  return {
    async payer(payer, nonces) {
      const key = payer.toLowerCase();
      const cached = payers.get(key);
      if (cached && Date.now() - cached.fetchedAt <= cacheMs) {
        const snapshot = await cached.snapshot;
        const missing = nonces.filter((n) => !snapshot.spentByNonce.has(n));
        // Missing nonces are read at the snapshot's own block, so the snapshot stays one block.
        const values = await Promise.all(missing.map((n) => spentAt(payer, n, snapshot.blockNumber)));
        for (const [i, n] of missing.entries()) snapshot.spentByNonce.set(n, values[i]);
        return snapshot;
      }
      const entry: Entry = { fetchedAt: Date.now(), snapshot: fresh(payer, nonces) };
      payers.set(key, entry);
      entry.snapshot.catch(() => {
        if (payers.get(key) === entry) payers.delete(key);
      });
      if (payers.size > 10_000) payers.delete(payers.keys().next().value!);
      return entry.snapshot;
    },
    async permitState(payer, nonce) {
      const state = await publicClient.readContract({
        address: market,
        abi: upstreamMarketAbi,
        functionName: "permitStateOf",
        args: [payer, nonce],
      });
      return { spent: BigInt(state.spent), cap: BigInt(state.cap), expiry: BigInt(state.expiry) };
    },
    async now() {
      const b = await latestBlock();
      return b.timestamp + BigInt(Math.floor((Date.now() - b.fetchedAt) / 1000));
    },
    fees() {
      if (!fee || Date.now() - fee.at > 60_000) {
        const value = publicClient
          .readContract({ address: market, abi: upstreamMarketAbi, functionName: "acceptedFees" })
          .then(([current, previous]) => ({ current: Number(current), previous: Number(previous) }));
        fee = { value, at: Date.now() };
        value.catch(() => (fee = undefined));
      }
      return fee.value;
    },
  };
}
