/**
 * Property test of the market: random sequences of deposits, withdrawal requests, withdrawals,
 * settlement batches (fresh, replayed and bad items), claims, fee collections and clock moves,
 * run against a real anvil and a TypeScript model of the rules. After every operation the chain
 * must agree with the model, and the invariants of issue 2 must hold:
 *   - the market's token balance equals deposits + claimable + fees owed;
 *   - a payer is never charged beyond a permit's cap, nor after its expiry;
 *   - each settled inference's payouts plus fee equal its price.
 * Sequences start from one snapshot (evm_revert between them). FUZZ_SEQUENCES / FUZZ_OPS / FUZZ_SEED
 * scale a run; the defaults settle a few thousand inferences in well under a minute.
 */

import {
  type Address,
  createPublicClient,
  decodeEventLog,
  encodeFunctionData,
  type Hex,
  http,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testUsdAbi, upstreamMarketAbi } from "@/lib/chain/abis";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, type SeededRandom, seededRandom, startMarketFixture } from "@/lib/chain/fixture";
import { hashSpendPermit, type SignedSpendPermit, signSpendPermit, storedPermitTerms } from "@/lib/chain/permit";
import {
  decodePayouts,
  encodeSettlementBatch,
  protocolFee,
  type SettlementInference,
  SKIP_REASONS,
  skipReasonName,
} from "@/lib/chain/settlement";
import { addressFor } from "./test/helpers";

const SEQUENCES = Number(process.env.FUZZ_SEQUENCES ?? 8);
const OPS = Number(process.env.FUZZ_OPS ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_601);
const FEE_BPS = 250;
const DELAY = 600n;
/** Short enough that random steps (up to 1,500 s) let requests expire. */
const WINDOW = 3_000n;
const PAYERS = [4, 5, 6, 7].map((i) => devAccounts[i].address);
const CLAIMERS = [2, 3].map((i) => devAccounts[i].address);
const PAYEES = [...CLAIMERS, ...[0, 1, 2, 3].map((i) => addressFor(`fuzz-payee-${i}`))];

type Permit = SignedSpendPermit & { valid: boolean; digest: Hex };
type Model = {
  now: bigint;
  deposits: Map<Address, bigint>;
  claimable: Map<Address, bigint>;
  fees: bigint;
  tokenBalance: bigint;
  permits: Map<string, { spent: bigint; cap: bigint; expiry: bigint }>;
  settled: Set<bigint>;
  skipped: bigint[];
  withdrawals: Map<Address, { amount: bigint; readyAt: bigint; expiresAt: bigint }>;
};

const key = (p: { payer: Address; nonce: bigint }) => `${p.payer}:${p.nonce}`;
const get = (m: Map<Address, bigint>, a: Address) => m.get(a) ?? 0n;

let f: MarketFixture;
let batchClient: PublicClient;
let base: { snapshot: Hex; now: bigint; deposits: bigint };
/** How often each outcome occurred, so the run can show it exercised every rule. */
const seen = new Map<string, number>();

beforeAll(async () => {
  f = await startMarketFixture({ feeBps: FEE_BPS, withdrawalDelay: DELAY, withdrawalWindow: WINDOW });
  for (const [i] of PAYERS.entries()) {
    await f.send(4 + i, { address: f.deployment.token, abi: testUsdAbi, functionName: "faucet", args: [10_000_000_000n] });
    await f.send(4 + i, { address: f.deployment.token, abi: testUsdAbi, functionName: "approve", args: [f.deployment.market, 2n ** 255n] });
    await f.send(4 + i, { address: f.deployment.market, abi: upstreamMarketAbi, functionName: "deposit", args: [20_000n] });
  }
  // One HTTP round trip for all the reads that compare the chain with the model.
  batchClient = createPublicClient({ transport: http(f.anvil.rpcUrl, { batch: { batchSize: 100 } }) });
  // Block times the model can predict: every block one second after the previous one.
  await rpc("anvil_setBlockTimestampInterval", [1]);
  base = { snapshot: await f.snapshot(), now: await f.now(), deposits: 20_000n };
});
afterAll(async () => {
  await f?.stop();
});

async function rpc<T>(method: string, params: unknown[]): Promise<T> {
  return (await f.client.request({ method: method as never, params: params as never })) as T;
}

/** Sends from an unlocked dev account; each block is one second after the last. Returns the receipt. */
async function send(model: Model, from: Address, data: Hex, to = f.deployment.market): Promise<TransactionReceipt> {
  model.now += 1n;
  const hash = await rpc<Hex>("eth_sendTransaction", [{ from, to, data, gas: "0x989680" }]);
  return f.client.waitForTransactionReceipt({ hash, pollingInterval: 5 });
}

async function makePermits(random: SeededRandom, now: bigint): Promise<Permit[]> {
  const permits: Permit[] = [];
  const { chainId } = f.anvil;
  const { market, settler } = f.deployment;
  const sign = async (payerIndex: number, signerIndex: number, cap: bigint, expiry: bigint, nonce: bigint, valid: boolean) => {
    const payer = devAccounts[payerIndex].address;
    const permit = { payer, spender: settler, cap, expiry, nonce };
    const signed = await signSpendPermit({ signer: f.wallet(signerIndex).account as never, chainId, market, permit });
    permits.push({ ...signed, valid, digest: hashSpendPermit(chainId, market, permit) });
  };
  for (let i = 0; i < PAYERS.length; i++) {
    await sign(4 + i, 4 + i, BigInt(random.int(1_000, 20_000)), now + BigInt(random.int(200, 4_000)), 1n, true);
    await sign(4 + i, 4 + i, BigInt(random.int(5_000, 60_000)), now + 100_000n, 2n, true);
  }
  // Another permit under nonce 1 of the first payer (reused nonce), and one forged by account 8.
  await sign(4, 4, 1_000_000n, now + 100_000n, 1n, true);
  await sign(5, 8, 1_000_000n, now + 100_000n, 3n, false);
  return permits;
}

function randomSplit(random: SeededRandom, pool: bigint, n: number): bigint[] {
  const weights = Array.from({ length: n }, () => BigInt(random.int(0, 50)));
  const total = weights.reduce((s, w) => s + w, 0n) || 1n;
  const parts = weights.map((w) => (pool * w) / total);
  parts[0] += pool - parts.reduce((s, p) => s + p, 0n);
  return parts;
}

/** The model's verdict for one inference, applying it when it settles (same order of checks as the contract). */
function apply(model: Model, item: SettlementInference, permit: Permit, status: string): string {
  if (model.settled.has(item.inferenceId)) return "AlreadySettled";
  if (status !== "None") return status;
  const state = model.permits.get(key(permit)) ?? { spent: 0n, cap: 0n, expiry: 0n };
  if (state.spent + item.price > storedPermitTerms(permit).cap) return "PermitCapExceeded";
  if (get(model.deposits, permit.payer) < item.price) return "InsufficientBalance";
  const fee = protocolFee(item.price, FEE_BPS);
  if (item.payouts.reduce((s, p) => s + p.amount, 0n) !== item.price - fee) return "SplitMismatch";
  model.settled.add(item.inferenceId);
  model.permits.set(key(permit), { spent: state.spent + item.price, ...storedPermitTerms(permit) });
  model.deposits.set(permit.payer, get(model.deposits, permit.payer) - item.price);
  model.fees += fee;
  for (const p of item.payouts) model.claimable.set(p.payee, get(model.claimable, p.payee) + p.amount);
  return "Settled";
}

function permitStatus(model: Model, permit: Permit): string {
  if (model.now > permit.expiry) return "PermitExpired";
  if (!permit.valid) return "PermitInvalid";
  const state = model.permits.get(key(permit));
  const terms = storedPermitTerms(permit);
  if (state && (state.cap !== terms.cap || state.expiry !== terms.expiry)) return "PermitNonceReused";
  return "None";
}

async function settleOp(model: Model, random: SeededRandom, permits: Permit[], nextId: () => bigint) {
  const count = random.int(1, 20);
  const chosen = new Map<string, Permit>(); // one permit per (payer, nonce) in a batch
  const items: { item: SettlementInference; permit: Permit }[] = [];
  for (let i = 0; i < count; i++) {
    let permit = random.pick(permits);
    permit = chosen.get(key(permit)) ?? permit;
    chosen.set(key(permit), permit);
    const roll = random.next();
    const settledIds = [...model.settled];
    const id =
      roll < 0.12 && settledIds.length
        ? random.pick(settledIds)
        : roll < 0.2 && model.skipped.length
          ? random.pick(model.skipped)
          : nextId();
    // Some prices sit exactly on (or one past) what the permit or the deposit still allows.
    const remaining = permit.cap - (model.permits.get(key(permit))?.spent ?? 0n);
    const edge = random.pick([remaining, remaining + 1n, get(model.deposits, permit.payer), get(model.deposits, permit.payer) + 1n]);
    const price = random.next() < 0.15 && edge > 0n && edge < 1n << 90n ? edge : BigInt(random.int(1, 4_000));
    const n = random.int(0, 8);
    const payees = Array.from({ length: n }, () => random.pick(PAYEES));
    const amounts = n ? randomSplit(random, price - protocolFee(price, FEE_BPS), n) : [];
    if (n && random.next() < 0.08) {
      const j = random.int(0, n - 1);
      amounts[j] += amounts[j] > 0n && random.next() < 0.5 ? -1n : 1n; // a split off by one
    }
    items.push({
      permit,
      item: {
        inferenceId: id,
        permit,
        modelId: BigInt(random.int(1, 3)),
        price,
        attributionHash: `0x${id.toString(16).padStart(64, "0")}`,
        payouts: payees.map((payee, j) => ({ payee, amount: amounts[j] })),
      },
    });
  }
  const batch = encodeSettlementBatch(items.map((x) => x.item));
  const data = encodeFunctionData({
    abi: upstreamMarketAbi,
    functionName: "settleBatch",
    args: [batch.permits, batch.payees, batch.words],
  });
  const receipt = await send(model, f.deployment.settler, data);
  expect(receipt.status).toBe("success");
  // Permit statuses are fixed at the batch's block time.
  const statuses = new Map([...chosen.values()].map((p) => [key(p), permitStatus(model, p)]));
  const expected = items.map(({ item, permit }) => ({
    id: item.inferenceId,
    result: apply(model, item, permit, statuses.get(key(permit))!),
  }));
  for (const e of expected) if (e.result !== "Settled" && e.result !== "AlreadySettled") model.skipped.push(e.id);
  const actual: { id: bigint; result: string }[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== f.deployment.market.toLowerCase()) continue;
    const event = decodeEventLog({ abi: upstreamMarketAbi, data: log.data, topics: log.topics });
    if (event.eventName === "InferenceSettled") {
      const { inferenceId, price, fee, payouts } = event.args;
      expect(decodePayouts(payouts).reduce((s, p) => s + p.amount, 0n) + fee).toBe(price);
      actual.push({ id: inferenceId, result: "Settled" });
    } else if (event.eventName === "InferenceSkipped") {
      actual.push({ id: event.args.inferenceId, result: skipReasonName(event.args.reason) });
    }
  }
  expect(actual).toEqual(expected);
  for (const e of expected) seen.set(e.result, (seen.get(e.result) ?? 0) + 1);
}

async function checkAgainstModel(model: Model, permits: Permit[]) {
  const { market, token } = f.deployment;
  const read = (functionName: "depositOf" | "claimableOf", a: Address) =>
    batchClient.readContract({ address: market, abi: upstreamMarketAbi, functionName, args: [a] });
  const [deposits, claimable, fees, tokenBalance, states] = await Promise.all([
    Promise.all(PAYERS.map((a) => read("depositOf", a))),
    Promise.all(PAYEES.map((a) => read("claimableOf", a))),
    batchClient.readContract({ address: market, abi: upstreamMarketAbi, functionName: "feesOwed" }),
    batchClient.readContract({ address: token, abi: testUsdAbi, functionName: "balanceOf", args: [market] }),
    Promise.all(
      permits.map((p) =>
        batchClient.readContract({ address: market, abi: upstreamMarketAbi, functionName: "permitStateOf", args: [p.payer, p.nonce] }),
      ),
    ),
  ]);
  expect(deposits).toEqual(PAYERS.map((a) => get(model.deposits, a)));
  expect(claimable).toEqual(PAYEES.map((a) => get(model.claimable, a)));
  expect(fees).toBe(model.fees);
  expect(tokenBalance).toBe(model.tokenBalance);
  // The market holds exactly what it owes.
  const sum = (xs: readonly bigint[]) => xs.reduce((s, x) => s + x, 0n);
  expect(tokenBalance).toBe(sum(deposits) + sum(claimable) + fees);
  // No permit was charged beyond its cap (states are shared by permits with the same nonce).
  for (const [i, p] of permits.entries()) {
    const state = states[i];
    expect(state.spent).toBe(model.permits.get(key(p))?.spent ?? 0n);
    expect(state.spent).toBeLessThanOrEqual(state.cap);
    if (state.cap === storedPermitTerms(p).cap && state.expiry === storedPermitTerms(p).expiry) {
      expect(state.spent).toBeLessThanOrEqual(p.cap);
    }
  }
}

async function runSequence(seed: number): Promise<void> {
  const random = seededRandom(seed);
  const model: Model = {
    now: base.now,
    deposits: new Map(PAYERS.map((a) => [a, base.deposits])),
    claimable: new Map(),
    fees: 0n,
    tokenBalance: base.deposits * BigInt(PAYERS.length),
    permits: new Map(),
    settled: new Set(),
    skipped: [],
    withdrawals: new Map(),
  };
  const permits = await makePermits(random, model.now);
  let id = 0n;
  const nextId = () => ++id * 7n + BigInt(random.int(0, 6)); // sparse ids across bitmap words
  for (let op = 0; op < OPS; op++) {
    const roll = random.next();
    const payer = random.pick(PAYERS);
    if (roll < 0.4) {
      await settleOp(model, random, permits, nextId);
    } else if (roll < 0.52) {
      const amount = BigInt(random.int(1, 5_000));
      const r = await send(model, payer, encodeFunctionData({ abi: upstreamMarketAbi, functionName: "deposit", args: [amount] }));
      expect(r.status).toBe("success");
      model.deposits.set(payer, get(model.deposits, payer) + amount);
      model.tokenBalance += amount;
    } else if (roll < 0.62) {
      const available = get(model.deposits, payer);
      const amount = BigInt(random.int(1, Number(available) + 500));
      const r = await send(model, payer, encodeFunctionData({ abi: upstreamMarketAbi, functionName: "requestWithdrawal", args: [amount] }));
      expect(r.status).toBe(amount <= available ? "success" : "reverted");
      if (amount <= available) model.withdrawals.set(payer, { amount, readyAt: model.now + DELAY, expiresAt: model.now + DELAY + WINDOW });
    } else if (roll < 0.74) {
      const request = model.withdrawals.get(payer);
      const r = await send(model, payer, encodeFunctionData({ abi: upstreamMarketAbi, functionName: "withdraw" }));
      const amount = request ? (request.amount < get(model.deposits, payer) ? request.amount : get(model.deposits, payer)) : 0n;
      const ok = request !== undefined && model.now >= request.readyAt && model.now < request.expiresAt && amount > 0n;
      expect(r.status).toBe(ok ? "success" : "reverted");
      if (ok) {
        model.withdrawals.delete(payer);
        model.deposits.set(payer, get(model.deposits, payer) - amount);
        model.tokenBalance -= amount;
      }
    } else if (roll < 0.84) {
      const payee = random.pick(CLAIMERS);
      const owed = get(model.claimable, payee);
      const r = await send(model, payee, encodeFunctionData({ abi: upstreamMarketAbi, functionName: "claim" }));
      expect(r.status).toBe(owed > 0n ? "success" : "reverted");
      model.claimable.set(payee, 0n);
      model.tokenBalance -= owed;
    } else if (roll < 0.88) {
      const r = await send(model, payer, encodeFunctionData({ abi: upstreamMarketAbi, functionName: "collectFees" }));
      expect(r.status).toBe(model.fees > 0n ? "success" : "reverted");
      model.tokenBalance -= model.fees;
      model.fees = 0n;
    } else {
      model.now += BigInt(random.int(1, 1_500));
      await rpc("evm_setNextBlockTimestamp", [Number(model.now + 1n)]);
    }
    await checkAgainstModel(model, permits);
  }
}

describe("market invariants over random operation sequences", () => {
  it(`hold for ${SEQUENCES} sequences of ${OPS} operations`, async () => {
    for (let s = 0; s < SEQUENCES; s++) {
      await runSequence(SEED + s);
      await f.revert(base.snapshot);
      base.snapshot = await f.snapshot();
    }
    // The generator reached every rule: settlements and each skip reason.
    expect([...seen.keys()].sort()).toEqual(["Settled", ...SKIP_REASONS.slice(1)].sort());
    console.log(`invariants: ${[...seen.entries()].map(([k, v]) => `${k} ${v}`).join(", ")}`);
  }, 180_000);
});
