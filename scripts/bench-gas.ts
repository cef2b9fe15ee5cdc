/**
 * `npm run bench:gas [-- --json]`: gas per settled inference with 8 payees, settled one per
 * transaction vs in batches of 100, side by side on one fresh anvil. The mix is realistic: one
 * model owner, seven contributors per inference drawn from the model's three datanets, several
 * payers with their own permits, steady state (payees already hold claimable balances).
 * With --json the last line is one JSON object with the figures.
 */

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Address, keccak256, type TransactionReceipt, toHex } from "viem";
import { testUsdAbi, upstreamMarketAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, type SeededRandom, seededRandom, startMarketFixture } from "@/lib/chain/fixture";
import type { SignedSpendPermit } from "@/lib/chain/permit";
import { distributableAmount, type SettlementInference } from "@/lib/chain/settlement";

const PAYEES_PER_INFERENCE = 8;
const BATCH_SIZE = 100;
const BATCHES = 5;
const SINGLES = 100;
const PRICE = 2_000n; // 0.002 tUSD
const OWNER_BPS = 3_000;
const MODEL_OWNER = 2;
const DATANET_OWNERS = [3, 4, 5];
const PAYERS = [6, 7, 8, 9];
const CONTRIBUTORS_PER_DATANET = 8;

type Scenario = {
  modelId: bigint;
  owner: Address;
  datanets: Address[][];
  permits: SignedSpendPermit[];
  feeBps: number;
};

async function setUp(f: MarketFixture): Promise<Scenario> {
  const { registry, token, market } = f.deployment;
  const stake = 10_000_000n;
  const datanetIds: bigint[] = [];
  for (const owner of DATANET_OWNERS) {
    await f.send(owner, { address: token, abi: testUsdAbi, functionName: "faucet", args: [stake] });
    await f.send(owner, { address: token, abi: testUsdAbi, functionName: "approve", args: [registry, stake] });
    await f.send(owner, {
      address: registry,
      abi: upstreamRegistryAbi,
      functionName: "publishDatanet",
      args: [`ipfs://datanet-${owner}`, "CC-BY-4.0", stake],
    });
    datanetIds.push(BigInt(datanetIds.length + 1));
  }
  await f.send(MODEL_OWNER, { address: token, abi: testUsdAbi, functionName: "faucet", args: [stake] });
  await f.send(MODEL_OWNER, { address: token, abi: testUsdAbi, functionName: "approve", args: [registry, stake] });
  await f.send(MODEL_OWNER, {
    address: registry,
    abi: upstreamRegistryAbi,
    functionName: "publishModel",
    args: ["ipfs://model", "builtin:ngram", datanetIds, PRICE, OWNER_BPS, stake],
  });
  const expiry = (await f.now()) + 86_400n;
  const permits: SignedSpendPermit[] = [];
  for (const payer of PAYERS) {
    await f.fund(payer, 1_000_000_000n);
    permits.push(await f.signPermit(payer, { cap: 1_000_000_000n, expiry, nonce: 1n }));
  }
  const feeBps = Number(await f.client.readContract({ address: market, abi: upstreamMarketAbi, functionName: "feeBps" }));
  const datanets = datanetIds.map((id) =>
    Array.from({ length: CONTRIBUTORS_PER_DATANET }, (_, i) => `0x${keccak256(toHex(`contributor-${id}-${i}`)).slice(26)}` as Address),
  );
  return { modelId: 1n, owner: devAccounts[MODEL_OWNER].address, datanets, permits, feeBps };
}

/** One inference: owner share by the model's split, the data pool split over 7 distinct contributors. */
function makeInference(s: Scenario, id: bigint, random: SeededRandom): SettlementInference {
  const pool = distributableAmount(PRICE, s.feeBps);
  const ownerAmount = (pool * BigInt(OWNER_BPS)) / 10_000n;
  const chosen = new Set<Address>();
  while (chosen.size < PAYEES_PER_INFERENCE - 1) {
    const datanet = s.datanets[Math.floor(random.next() * s.datanets.length)];
    chosen.add(datanet[Math.floor(random.next() * datanet.length)]);
  }
  const weights = [...chosen].map(() => BigInt(1 + Math.floor(random.next() * 100)));
  const totalWeight = weights.reduce((a, b) => a + b, 0n);
  const dataPool = pool - ownerAmount;
  const amounts = weights.map((w) => (dataPool * w) / totalWeight);
  amounts[0] += dataPool - amounts.reduce((a, b) => a + b, 0n); // exact: parts sum to the pool
  return {
    inferenceId: id,
    permit: s.permits[Math.floor(random.next() * s.permits.length)],
    modelId: s.modelId,
    price: PRICE,
    attributionHash: keccak256(toHex(`proof-${id}`)),
    payouts: [{ payee: s.owner, amount: ownerAmount }, ...[...chosen].map((payee, i) => ({ payee, amount: amounts[i] }))],
  };
}

function settledCount(f: MarketFixture, receipt: TransactionReceipt): number {
  return f.events(receipt).filter((e) => e.eventName === "InferenceSettled").length;
}

/** Runs the benchmark on a fresh anvil and returns the figures. */
export async function runGasBenchmark() {
  const f = await startMarketFixture();
  try {
    const s = await setUp(f);
    const random = seededRandom(7);
    let nextId = 1n;
    const batchOf = (n: number) => Array.from({ length: n }, () => makeInference(s, nextId++, random));

    // Warm-up: every payee, payer and permit already has state, as in a running market.
    const warm = await f.settle(batchOf(BATCH_SIZE));
    if (settledCount(f, warm) !== BATCH_SIZE) throw new Error("warm-up batch did not settle fully");

    let singleGas = 0n;
    for (let i = 0; i < SINGLES; i++) {
      const receipt = await f.settle(batchOf(1));
      if (settledCount(f, receipt) !== 1) throw new Error("single settlement skipped");
      singleGas += receipt.gasUsed;
    }
    let batchGas = 0n;
    for (let i = 0; i < BATCHES; i++) {
      const receipt = await f.settle(batchOf(BATCH_SIZE));
      if (settledCount(f, receipt) !== BATCH_SIZE) throw new Error("batch did not settle fully");
      batchGas += receipt.gasUsed;
    }
    const gasPerInferenceSingle = Number(singleGas) / SINGLES;
    const gasPerInferenceBatched = Number(batchGas) / (BATCHES * BATCH_SIZE);
    return {
      payeesPerInference: PAYEES_PER_INFERENCE,
      batchSize: BATCH_SIZE,
      singleTransactions: SINGLES,
      batchedInferences: BATCHES * BATCH_SIZE,
      gasPerInferenceSingle: Math.round(gasPerInferenceSingle),
      gasPerInferenceBatched: Math.round(gasPerInferenceBatched),
      ratio: Number((gasPerInferenceSingle / gasPerInferenceBatched).toFixed(2)),
      targetBatched: 15_000,
      targetRatio: 8,
    };
  } finally {
    await f.stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { json: { type: "boolean", default: false } } });
  const r = await runGasBenchmark();
  const rows = [
    ["mode", "inferences", "transactions", "gas / inference"],
    ["one per tx", String(r.singleTransactions), String(r.singleTransactions), r.gasPerInferenceSingle.toLocaleString("en-US")],
    [
      `batches of ${r.batchSize}`,
      String(r.batchedInferences),
      String(r.batchedInferences / r.batchSize),
      r.gasPerInferenceBatched.toLocaleString("en-US"),
    ],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  console.log(`settlement gas, ${r.payeesPerInference} payees per inference (steady state)`);
  for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
  const ok = r.gasPerInferenceBatched <= r.targetBatched && r.ratio >= r.targetRatio;
  console.log(
    `ratio ${r.ratio}x (target >= ${r.targetRatio}x, batched <= ${r.targetBatched.toLocaleString("en-US")}): ${ok ? "met" : "NOT met"}`,
  );
  if (values.json) console.log(JSON.stringify(r));
}
