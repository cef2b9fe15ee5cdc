import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  decodeEventLog,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { testUsdAbi, upstreamMarketAbi } from "./abis";
import { type AnvilInstance, type StartAnvilOptions, startAnvil } from "./anvil";
import { publicClientFor, walletClientFor } from "./clients";
import { type Deployment, type DeployUpstreamParameters, deployUpstream } from "./deploy";
import { type DevAccount, deployerAccount, devAccounts, settlerAccount } from "./devAccounts";
import { type SignedSpendPermit, signSpendPermit } from "./permit";
import { encodeSettlementBatch, type SettlementInference } from "./settlement";

type Wallet = WalletClient<Transport, Chain, Account>;

/** A decoded event from a receipt. */
export type DecodedEvent = { eventName: string; args: Record<string, unknown>; address: Address };

/** A fresh anvil with Upstream deployed and helpers to drive it; for tests, benchmarks and seeding. */
export type MarketFixture = {
  /** The running node. */
  anvil: AnvilInstance;
  /** The deployed contracts. */
  deployment: Deployment;
  /** Read client. */
  client: PublicClient<Transport, Chain>;
  /** Wallet of a dev account by index (0 = admin, 1 = settler). */
  wallet(index: number): Wallet;
  /** Mints with the faucet, approves and deposits `amount` for dev account `index`. */
  fund(index: number, amount: bigint): Promise<void>;
  /** Dev account `index` signs a spend permit for the settler (or `spender`). */
  signPermit(index: number, permit: { cap: bigint; expiry: bigint; nonce: bigint; spender?: Address }): Promise<SignedSpendPermit>;
  /** Encodes and submits a batch from dev account `from` (default the settler); resolves to the receipt. */
  settle(inferences: readonly SettlementInference[], from?: number): Promise<TransactionReceipt>;
  /** Sends a contract call from dev account `from` and waits; resolves to the receipt (throws on revert). */
  send(from: number, call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] }): Promise<TransactionReceipt>;
  /** Market events of a receipt, decoded. */
  events(receipt: TransactionReceipt, abi?: Abi): DecodedEvent[];
  /** Latest block timestamp. */
  now(): Promise<bigint>;
  /** Moves the chain's clock forward and mines a block. */
  increaseTime(seconds: bigint): Promise<void>;
  /** anvil snapshot id, for {@link MarketFixture.revert}. */
  snapshot(): Promise<Hex>;
  /** Reverts to a snapshot (a snapshot can be used once). */
  revert(id: Hex): Promise<void>;
  /** Stops the node. */
  stop(): Promise<void>;
};

/** Options of {@link startMarketFixture}. */
export type MarketFixtureOptions = StartAnvilOptions &
  Partial<
    Pick<
      DeployUpstreamParameters,
      | "feeBps"
      | "withdrawalDelay"
      | "withdrawalWindow"
      | "minDatanetStake"
      | "minModelStake"
      | "unstakeDelay"
      | "token"
      | "disputer"
      | "adminDelay"
    >
  >;

/** Starts anvil and deploys TestUSD, registry and market with dev account 0 as admin and treasury. */
export async function startMarketFixture(options: MarketFixtureOptions = {}): Promise<MarketFixture> {
  const anvil = await startAnvil(options);
  try {
    const deployment = await deployUpstream({
      rpcUrl: anvil.rpcUrl,
      deployerKey: deployerAccount.privateKey,
      settler: settlerAccount.address,
      treasury: deployerAccount.address,
      ...options,
    });
    return fixtureFor(anvil, deployment);
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/** Fixture helpers for a deployment on a running anvil (e.g. a second market on the same node). */
export function fixtureFor(anvil: AnvilInstance, deployment: Deployment): MarketFixture {
  const connection = { chainId: anvil.chainId, rpcUrl: anvil.rpcUrl };
  const client = publicClientFor(connection);
  const wallets = new Map<number, Wallet>();
  const account = (index: number): DevAccount => {
    const found = devAccounts[index];
    if (!found) throw new RangeError(`no dev account ${index}`);
    return found;
  };
  const wallet = (index: number): Wallet => {
    let w = wallets.get(index);
    if (!w) {
      w = walletClientFor({ ...connection, privateKey: account(index).privateKey });
      wallets.set(index, w);
    }
    return w;
  };
  const rpc = (method: string, params: unknown[] = []) =>
    client.request({ method: method as never, params: params as never }) as Promise<unknown>;

  const send: MarketFixture["send"] = async (from, call) => {
    const hash = await wallet(from).writeContract({ ...call, args: call.args ?? [] } as never);
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (receipt.status !== "success") throw new Error(`${call.functionName} reverted in ${hash}`);
    return receipt;
  };

  return {
    anvil,
    deployment,
    client,
    wallet,
    async fund(index, amount) {
      const { token, market } = deployment;
      for (let left = amount; left > 0n; ) {
        const drip = left > 10_000_000_000n ? 10_000_000_000n : left;
        await send(index, { address: token, abi: testUsdAbi, functionName: "faucet", args: [drip] });
        left -= drip;
      }
      await send(index, { address: token, abi: testUsdAbi, functionName: "approve", args: [market, amount] });
      await send(index, { address: market, abi: upstreamMarketAbi, functionName: "deposit", args: [amount] });
    },
    async signPermit(index, { cap, expiry, nonce, spender }) {
      return signSpendPermit({
        signer: wallet(index).account as never,
        chainId: anvil.chainId,
        market: deployment.market,
        permit: { payer: account(index).address, spender: spender ?? deployment.settler, cap, expiry, nonce },
      });
    },
    async settle(inferences, from = settlerAccount.index) {
      const batch = encodeSettlementBatch(inferences);
      return send(from, {
        address: deployment.market,
        abi: upstreamMarketAbi,
        functionName: "settleBatch",
        args: [batch.permits, batch.payees, batch.words],
      });
    },
    send,
    events(receipt, abi = upstreamMarketAbi) {
      const out: DecodedEvent[] = [];
      for (const log of receipt.logs) {
        try {
          const decoded = decodeEventLog({ abi, data: log.data, topics: log.topics });
          out.push({
            eventName: String(decoded.eventName),
            args: (decoded.args ?? {}) as unknown as Record<string, unknown>,
            address: log.address,
          });
        } catch {
          // a log of another contract (e.g. the token's Transfer)
        }
      }
      return out;
    },
    async now() {
      return (await client.getBlock()).timestamp;
    },
    async increaseTime(seconds) {
      await rpc("evm_increaseTime", [Number(seconds)]);
      await rpc("evm_mine");
    },
    async snapshot() {
      return (await rpc("evm_snapshot")) as Hex;
    },
    async revert(id) {
      const ok = await rpc("evm_revert", [id]);
      if (ok !== true) throw new Error(`evm_revert ${id} failed`);
    },
    stop: () => anvil.stop(),
  };
}

/** A deterministic random source (mulberry32) for property tests and benchmarks: a seed reproduces a run. */
export type SeededRandom = {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T;
};

/** Creates a {@link SeededRandom} from a 32-bit seed. */
export function seededRandom(seed: number): SeededRandom {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}
