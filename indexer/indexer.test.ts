import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, keccak256, type TransactionReceipt, toBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery } from "../db/testing";
import { testUsdAbi, upstreamMarketAbi, upstreamRegistryAbi } from "../lib/chain/abis";
import { getFreePort } from "../lib/chain/anvil";
import { writeDeployment } from "../lib/chain/deploy";
import { devAccounts } from "../lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "../lib/chain/fixture";
import { distributableAmount } from "../lib/chain/settlement";
import { createIndexerClient, type IndexerClient, IndexerRequestError } from "../lib/indexer/client";
import { type IndexerProcess, IndexerStartError, startIndexer } from "./process";

const FEE_BPS = 250;
const [payer, curator, contributor, modelOwner, disputer] = [2, 3, 4, 5, 8] as const;
const addressOf = (index: number): Address => devAccounts[index]!.address;
const root = (label: string) => keccak256(toBytes(label));

/** What the marketplace did on chain, for the assertions to compare against. */
interface Activity {
  price: bigint;
  /** Payouts of inferences 1..3 by payee. */
  payouts: { inferenceId: bigint; payouts: { payee: Address; amount: bigint }[] }[];
  claimed: bigint;
  deposit: bigint;
  withdrawalRequested: bigint;
  lastReceipt: TransactionReceipt;
}

/** Publishes, contributes, prices, deposits, settles (one batch, then a replay), claims and asks to withdraw. */
async function marketplaceActivity(fixture: MarketFixture): Promise<Activity> {
  const { registry, token, market } = fixture.deployment;
  const registryCall = (from: number, functionName: string, args: readonly unknown[]) =>
    fixture.send(from, { address: registry, abi: upstreamRegistryAbi, functionName, args });
  for (const staker of [curator, modelOwner]) {
    await fixture.send(staker, { address: token, abi: testUsdAbi, functionName: "faucet", args: [50_000_000n] });
    await fixture.send(staker, { address: token, abi: testUsdAbi, functionName: "approve", args: [registry, 50_000_000n] });
  }
  await registryCall(curator, "publishDatanet", ["ipfs://sotu", "public domain", 10_000_000n]);
  await registryCall(curator, "addContribution", [1n, root("washington"), 3]);
  await registryCall(contributor, "addContribution", [1n, root("lincoln"), 2]);
  await registryCall(curator, "addContribution", [1n, root("adams"), 1]);
  await registryCall(modelOwner, "publishModel", ["ipfs://grounded", "builtin", [1n], 2_000n, 3_000, 10_000_000n]);
  const price = 3_000n;
  await registryCall(modelOwner, "updateModel", [1n, price, 4_000, 0]);
  // Paused by its owner (ModelStatus.Paused = 1); the market still settles what was served before.
  await registryCall(modelOwner, "updateModel", [1n, price, 4_000, 1]);

  const deposit = 1_000_000n;
  await fixture.fund(payer, deposit);
  const permit = await fixture.signPermit(payer, { cap: 100_000n, expiry: (await fixture.now()) + 3_600n, nonce: 1n });
  const pool = distributableAmount(price, FEE_BPS);
  const payouts = [1n, 2n, 3n].map((inferenceId) => {
    const owner = (pool * 4_000n) / 10_000n;
    const toCurator = 500n * inferenceId;
    return {
      inferenceId,
      payouts: [
        { payee: addressOf(modelOwner), amount: owner },
        { payee: addressOf(curator), amount: toCurator },
        { payee: addressOf(contributor), amount: pool - owner - toCurator },
      ],
    };
  });
  const settle = (list: typeof payouts) =>
    fixture.settle(
      list.map(({ inferenceId, payouts: p }) => ({
        inferenceId,
        permit,
        modelId: 1n,
        price,
        attributionHash: root(`proof ${inferenceId}`),
        payouts: p,
      })),
    );
  await settle(payouts);
  await settle(payouts.slice(0, 1)); // a replay: skipped on chain, charged once

  const claimed = payouts.reduce((sum, p) => sum + p.payouts[1]!.amount, 0n);
  await fixture.send(curator, { address: market, abi: upstreamMarketAbi, functionName: "claim", args: [] });
  // A slash proposed on the datanet's stake (Subject.Datanet = 0) and cancelled by the admin: indexed, nothing taken.
  await registryCall(disputer, "proposeSlash", [0, 1n, 1_000_000n, root("dispute")]);
  await registryCall(0, "cancelSlash", [0, 1n]);
  const withdrawalRequested = 100_000n;
  const lastReceipt = await fixture.send(payer, {
    address: market,
    abi: upstreamMarketAbi,
    functionName: "requestWithdrawal",
    args: [withdrawalRequested],
  });
  return { price, payouts, claimed, deposit, withdrawalRequested, lastReceipt };
}

/** Everything the app reads about the activity, for comparing two indexers. */
async function readAll(client: IndexerClient) {
  return {
    datanets: await client.listDatanets(),
    datanet: await client.getDatanet(1n),
    models: await client.listModels(),
    model: await client.getModel(1n),
    earnings: await client.getEarnings(addressOf(curator)),
    settlement: await client.getSettlement(2n),
    settlements: await client.listSettlements(),
    deposit: await client.getDeposit(addressOf(payer)),
    permit: await client.getPermitSpend(addressOf(payer), 1n),
    stats: await client.getStats(),
  };
}

describe("the indexer over a real chain", () => {
  let fixture: MarketFixture;
  let dir: string;
  let deploymentFile: string;
  let indexer: IndexerProcess;
  let client: IndexerClient;
  let activity: Activity;

  beforeAll(async () => {
    fixture = await startMarketFixture({ feeBps: FEE_BPS, disputer: addressOf(disputer) });
    dir = mkdtempSync(join(tmpdir(), "upstream-indexer-"));
    deploymentFile = join(dir, "deployment.json");
    writeDeployment(deploymentFile, fixture.deployment);
    // Started before the activity, so these events arrive through realtime sync.
    indexer = await startIndexer({
      rpcUrl: fixture.anvil.rpcUrl,
      deploymentFile,
      port: await getFreePort(),
      dataDir: join(dir, "pglite"),
      schema: "upstream",
    });
    client = createIndexerClient({ url: indexer.url });
    activity = await marketplaceActivity(fixture);
    await client.waitForBlock(activity.lastReceipt.blockNumber, { timeoutMs: 60_000 });
  }, 400_000);

  afterAll(async () => {
    await indexer?.stop();
    await fixture?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists datanets with their contributions and contributors", async () => {
    const [datanet] = await client.listDatanets();
    expect(datanet).toMatchObject({
      id: 1n,
      owner: addressOf(curator),
      license: "public domain",
      stake: 10_000_000n,
      contributionCount: 3,
      recordCount: 6n,
      contributorCount: 2,
      closed: false,
    });
    const detail = (await client.getDatanet(1n))!;
    expect(detail.contributions.map((c) => [c.id, c.contributor, c.recordCount, c.firstRecordId])).toEqual([
      [1n, addressOf(curator), 3n, 1n],
      [2n, addressOf(contributor), 2n, 4n],
      [3n, addressOf(curator), 1n, 6n],
    ]);
    expect(detail.contributions[1]!.merkleRoot).toBe(root("lincoln"));
    expect(detail.contributors).toEqual([
      { contributor: addressOf(curator), contributionCount: 2, recordCount: 4n },
      { contributor: addressOf(contributor), contributionCount: 1, recordCount: 2n },
    ]);
    expect(await client.getDatanet(99n)).toBeNull();
  });

  it("serves each model's current terms and status, and every version", async () => {
    const [model] = await client.listModels();
    expect(model).toMatchObject({
      id: 1n,
      owner: addressOf(modelOwner),
      backendId: "builtin",
      datanetIds: [1n],
      pricePerCall: activity.price,
      ownerBps: 4_000,
      version: 3,
      status: "paused",
      inferenceCount: 3,
      revenue: 3n * activity.price,
    });
    const detail = (await client.getModel(1n))!;
    expect(detail.versions.map((v) => [v.version, v.pricePerCall, v.ownerBps, v.status])).toEqual([
      [1, 2_000n, 3_000, "active"],
      [2, activity.price, 4_000, "active"],
      [3, activity.price, 4_000, "paused"],
    ]);
  });

  it("gives an inference's settlement with its payouts, once, and none for an unsettled one", async () => {
    const settlement = (await client.getSettlement(2n))!;
    const fee = activity.price - distributableAmount(activity.price, FEE_BPS);
    expect(settlement).toMatchObject({
      inferenceId: 2n,
      payer: addressOf(payer),
      permitNonce: 1n,
      modelId: 1n,
      price: activity.price,
      fee,
      attributionHash: root("proof 2"),
      payeeCount: 3,
    });
    expect(settlement.payouts).toEqual(activity.payouts[1]!.payouts);
    expect(await client.getSettlement(4n)).toBeNull();
    const recent = await client.listSettlements();
    expect(recent.settlements.map((s) => s.inferenceId)).toEqual([3n, 2n, 1n]);
    expect((await client.listSettlements({ model: 2n })).settlements).toEqual([]);
  });

  it("totals a payee's earnings and pages through its per-inference credits", async () => {
    const curatorCredits = activity.payouts.map((p) => p.payouts[1]!.amount);
    const first = await client.getEarnings(addressOf(curator), { limit: 2 });
    expect(first.earnings).toMatchObject({ earned: activity.claimed, claimed: activity.claimed, claimable: 0n, inferenceCount: 3 });
    expect(first.credits.map((c) => [c.inferenceId, c.amount])).toEqual([
      [3n, curatorCredits[2]],
      [2n, curatorCredits[1]],
    ]);
    const second = await client.getEarnings(addressOf(curator), { limit: 2, before: first.nextCursor! });
    expect(second.credits.map((c) => c.inferenceId)).toEqual([1n]);
    expect(second.nextCursor).toBeNull();
    const owner = await client.getEarnings(addressOf(modelOwner));
    expect(owner.earnings.claimable).toBe(activity.payouts.reduce((sum, p) => sum + p.payouts[0]!.amount, 0n));
  });

  it("keeps a payer's deposit net of charges, with its pending withdrawal, and the permit's spend", async () => {
    const charged = 3n * activity.price;
    const deposit = await client.getDeposit(addressOf(payer));
    expect(deposit).toMatchObject({
      deposited: activity.deposit,
      charged,
      balance: activity.deposit - charged,
      withdrawal: { amount: activity.withdrawalRequested },
    });
    const onChain = await fixture.client.readContract({
      address: fixture.deployment.market,
      abi: upstreamMarketAbi,
      functionName: "depositOf",
      args: [addressOf(payer)],
    });
    expect(deposit.balance).toBe(onChain);
    expect(await client.getPermitSpend(addressOf(payer), 1n)).toMatchObject({ spent: charged, cap: 100_000n });
    expect((await client.getDeposit(addressOf(9))).balance).toBe(0n);
  });

  it("sums the marketplace", async () => {
    const stats = await client.getStats();
    expect(stats).toMatchObject({
      datanets: 1,
      models: 1,
      contributions: 3,
      settledInferences: 3,
      volume: 3n * activity.price,
      feeBps: FEE_BPS,
    });
  });

  it("refuses a malformed id or address with a stable code", async () => {
    const bad = await fetch(`${indexer.url}/datanets/abc`);
    expect(bad.status).toBe(400);
    await expect(client.getEarnings("0x1234" as Address)).rejects.toMatchObject({ code: "BAD_REQUEST", status: 400 });
    await expect(client.getEarnings("0x1234" as Address)).rejects.toBeInstanceOf(IndexerRequestError);
  });

  it("refuses to start on a port already taken, before spawning anything", async () => {
    const taken = Number(new URL(indexer.url).port);
    await expect(
      startIndexer({ rpcUrl: fixture.anvil.rpcUrl, deploymentFile, port: taken, dataDir: join(dir, "other"), schema: "other" }),
    ).rejects.toThrow(/Indexer port \d+ is already in use/);
  });

  it("names the deployment file when it is not a deployment", async () => {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, JSON.stringify({ chainId: 31337 }));
    await expect(
      startIndexer({
        rpcUrl: fixture.anvil.rpcUrl,
        deploymentFile: broken,
        port: await getFreePort(),
        dataDir: join(dir, "other"),
        schema: "other",
      }),
    ).rejects.toThrow(/broken\.json/);
    await expect(
      startIndexer({ rpcUrl: fixture.anvil.rpcUrl, deploymentFile, port: 1, dataDir: dir, schema: "bad-name" }),
    ).rejects.toBeInstanceOf(IndexerStartError);
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    "rebuilds the same answers on PostgreSQL from the chain's history",
    async () => {
      const adminUrl = process.env.TEST_DATABASE_URL!;
      const database = `upstream_indexer_${process.pid}_${Date.now()}`;
      await adminQuery(adminUrl, `create database ${database}`);
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      const postgres = await startIndexer({
        rpcUrl: fixture.anvil.rpcUrl,
        deploymentFile,
        port: await getFreePort(),
        databaseUrl: url.toString(),
        dataDir: join(dir, "postgres"),
        schema: "upstream_test",
        fresh: true,
      });
      try {
        const fromPostgres = createIndexerClient({ url: postgres.url });
        await fromPostgres.waitForBlock(activity.lastReceipt.blockNumber, { timeoutMs: 60_000 });
        expect(await readAll(fromPostgres)).toEqual(await readAll(client));
      } finally {
        await postgres.stop();
        await adminQuery(adminUrl, `drop database if exists ${database} with (force)`);
      }
    },
    300_000,
  );
});
