import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { type Address, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle, migrate } from "@/db/client";
import { inferences, outbox } from "@/db/schema/payments";
import { upstreamMarketAbi } from "@/lib/chain/abis";
import { deployUpstream, writeDeployment } from "@/lib/chain/deploy";
import { deployerAccount, devAccounts, settlerAccount } from "@/lib/chain/devAccounts";
import { fixtureFor, type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { loadConfig } from "@/lib/config";
import type { Payments } from "@/lib/payments";
import { evenPayouts } from "@/lib/payments/testing";
import { closeProcessServer, createServer, processServer, type Server } from "./root";
import { configureProcessFor } from "./testing";

const quiet = { info: () => undefined, error: console.error };

/** Registers a permit of dev account 2 and commits one inference of `price` under it. */
async function commitOne(fixture: MarketFixture, payments: Payments, nonce: bigint, price = 1_000n) {
  const signed = await fixture.signPermit(2, { cap: 5_000n, expiry: (await fixture.now()) + 3_600n, nonce });
  const permit = await payments.registerPermit(signed);
  const hold = await payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price });
  const committed = await payments.commit(hold.id, {
    modelId: 1n,
    prompt: "p",
    output: "o",
    retrievedRecordIds: [],
    attribution: { hash: keccak256(toHex(`server ${nonce}`)), proof: {} },
    payouts: evenPayouts(price, 100, [devAccounts[7].address]),
  });
  return { permit, committed };
}

/** Waits until the inference is settled, then returns the ids the market emitted InferenceSettled for. */
async function settledOn(fixture: MarketFixture, db: DbHandle["db"], id: string, market: Address): Promise<bigint[]> {
  let status = "pending";
  for (const deadline = Date.now() + 120_000; Date.now() < deadline && status !== "settled"; ) {
    [{ status }] = await db.select({ status: inferences.status }).from(inferences).where(eq(inferences.id, id));
    if (status !== "settled") await new Promise((r) => setTimeout(r, 50));
  }
  expect(status).toBe("settled");
  const events = await fixture.client.getContractEvents({
    address: market,
    abi: upstreamMarketAbi,
    eventName: "InferenceSettled",
    fromBlock: 0n,
  });
  return events.map((e) => e.args.inferenceId!);
}

// The server's wiring as `next start` runs it: configuration from the environment, the
// deployment file, the process's database, and the settler that instrumentation.ts starts.
describe("the process's server and the settler started by instrumentation", () => {
  let fixture: MarketFixture;
  let dataDir: string;

  beforeAll(async () => {
    fixture = await startMarketFixture({ feeBps: 100 });
    dataDir = configureProcessFor(fixture, { SETTLE_MAX_WAIT_MS: "0", NEXT_RUNTIME: "nodejs" });
    await fixture.fund(2, 10_000n);
  });
  afterAll(async () => {
    await closeProcessServer();
    await fixture?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("settles what the process's payments service commits", { timeout: 180_000 }, async () => {
    const { register } = await import("@/instrumentation");
    await register();
    const server = processServer();
    expect(processServer()).toBe(server);
    const payments = await server.payments();
    expect(await server.startSettler()).toBe(await server.startSettler());

    const { committed } = await commitOne(fixture, payments, 1n);
    const { db } = await server.db();
    expect(await settledOn(fixture, db, committed.id, fixture.deployment.market)).toEqual([committed.settlementSeq]);
  });
});

// `npm start -- --fresh` rewrites the deployment file under a running server: the root notices,
// and payments, the settler and the readers all move to the new contracts; the database stays.
describe("a redeploy under a running server", () => {
  let first: MarketFixture;
  let second: MarketFixture;
  let dataDir: string;
  let file: string;
  let handle: DbHandle;
  let server: Server;

  beforeAll(async () => {
    first = await startMarketFixture({ feeBps: 100 });
    const deployment = await deployUpstream({
      rpcUrl: first.anvil.rpcUrl,
      deployerKey: deployerAccount.privateKey,
      settler: settlerAccount.address,
      treasury: deployerAccount.address,
      feeBps: 100,
    });
    second = fixtureFor(first.anvil, deployment);
    await first.fund(2, 10_000n);
    await second.fund(2, 10_000n);
    dataDir = mkdtempSync(join(tmpdir(), "upstream-redeploy-"));
    file = join(dataDir, "deployment.json");
    writeDeployment(file, first.deployment);
    handle = await createDb({ dataDir: "memory://" });
    await migrate(handle.db);
    const config = loadConfig({
      DATA_DIR: dataDir,
      RPC_URL: first.anvil.rpcUrl,
      CHAIN_ID: String(first.anvil.chainId),
      SETTLE_MAX_WAIT_MS: "0",
    });
    server = createServer({ config, db: handle, indexer: null, log: quiet, watchIntervalMs: 50 });
  });
  afterAll(async () => {
    await server?.close();
    await handle?.close();
    await first?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("is used by payments, the settler and the readers alike", { timeout: 240_000 }, async () => {
    const settler = await server.startSettler();
    const sync = await server.startModelSync({ intervalMs: 50 });
    const payments = await server.payments();
    const before = await commitOne(first, payments, 1n);
    expect(before.permit.market).toBe(first.deployment.market);
    expect(await settledOn(first, handle.db, before.committed.id, first.deployment.market)).toEqual([before.committed.settlementSeq]);
    const { registry, drafts } = await server.marketplace();
    expect(registry).toBe(first.deployment.registry);
    const { verifyIndexes } = await server.source();
    expect(server.publicConfig().contracts?.market).toBe(first.deployment.market);

    writeDeployment(file, second.deployment);

    expect(server.deployment()?.market).toBe(second.deployment.market);
    const context = await server.marketplace();
    expect([context.registry, context.token]).toEqual([second.deployment.registry, second.deployment.token]);
    expect(context.db).toBe(handle.db);
    // Drafts awaiting a wallet and Verify's indexes are the server's, kept across requests and redeploys.
    expect(context.drafts).toBe(drafts);
    expect((await server.source()).verifyIndexes).toBe(verifyIndexes);
    expect(server.publicConfig().contracts).toEqual({
      token: second.deployment.token,
      market: second.deployment.market,
      registry: second.deployment.registry,
    });
    const moved = await server.payments();
    expect(moved).not.toBe(payments);
    expect((await server.inference()).payments).toBe(moved);
    // A permit for the old market is not one for the new market.
    const stale = await first.signPermit(2, { cap: 5_000n, expiry: (await first.now()) + 3_600n, nonce: 9n });
    await expect(moved.registerPermit(stale)).rejects.toThrow();

    // An inference paid under the old market's permit, still in the outbox at the redeploy, is not
    // the new market's to settle: sent there it would be skipped (PermitInvalid) and written off.
    const stranded = await commitOne(first, payments, 3n);

    // The settler restarted for the new market, without being asked: what is committed now settles there.
    const after = await commitOne(second, moved, 2n);
    expect(after.permit.market).toBe(second.deployment.market);
    expect(await settledOn(second, handle.db, after.committed.id, second.deployment.market)).toEqual([after.committed.settlementSeq]);
    expect(await server.startSettler()).not.toBe(settler);
    expect(await server.startModelSync()).not.toBe(sync);
    // The old market saw nothing more.
    expect(await settledOn(first, handle.db, before.committed.id, first.deployment.market)).toEqual([before.committed.settlementSeq]);
    const [left] = await handle.db
      .select({ status: inferences.status, outbox: outbox.status })
      .from(inferences)
      .innerJoin(outbox, eq(outbox.inferenceId, inferences.id))
      .where(eq(inferences.id, stranded.committed.id));
    expect(left).toEqual({ status: "pending", outbox: "pending" });

    // Two redeploys in a row, the second while the first one's settler is still being stopped:
    // the settler ends up on the last deployment, and nothing waits on itself.
    writeDeployment(file, first.deployment);
    expect(server.deployment()?.market).toBe(first.deployment.market);
    const restarting = server.startSettler();
    writeDeployment(file, second.deployment);
    expect(server.deployment()?.market).toBe(second.deployment.market);
    await restarting;
    const last = await commitOne(second, await server.payments(), 4n);
    expect(await settledOn(second, handle.db, last.committed.id, second.deployment.market)).toEqual([
      after.committed.settlementSeq,
      last.committed.settlementSeq,
    ]);

    // Rewriting the same deployment changes nothing.
    const same = await server.payments();
    writeDeployment(file, second.deployment);
    expect(await server.payments()).toBe(same);

    // A closed server starts nothing more.
    await server.close();
    await expect(server.startSettler()).rejects.toMatchObject({ code: "SERVER_CLOSED" });
  });
});
