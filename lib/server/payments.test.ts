import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedDb } from "@/db/client";
import { inferences } from "@/db/schema/payments";
import { writeDeployment } from "@/lib/chain/deploy";
import { devAccounts } from "@/lib/chain/devAccounts";
import { startMarketFixture, type MarketFixture } from "@/lib/chain/fixture";
import { evenPayouts } from "@/lib/payments/testing";

// The server's wiring as `next start` runs it: configuration from the environment, the
// deployment file, the shared database, and the settler that instrumentation.ts starts.
describe("server payments and the settler started by instrumentation", () => {
  let fixture: MarketFixture;
  let dataDir: string;

  beforeAll(async () => {
    fixture = await startMarketFixture({ feeBps: 100 });
    dataDir = mkdtempSync(join(tmpdir(), "upstream-server-"));
    writeDeployment(join(dataDir, "deployment.json"), fixture.deployment);
    Object.assign(process.env, {
      DATA_DIR: dataDir,
      RPC_URL: fixture.anvil.rpcUrl,
      CHAIN_ID: String(fixture.anvil.chainId),
      SETTLE_MAX_WAIT_MS: "0",
      NEXT_RUNTIME: "nodejs",
    });
    delete process.env.DATABASE_URL;
    await fixture.fund(2, 10_000n);
  });
  afterAll(async () => {
    await (globalThis as { __upstreamSettler?: Promise<{ stop(): Promise<void> }> }).__upstreamSettler?.then((s) => s.stop());
    await (await sharedDb().catch(() => undefined))?.close();
    await fixture?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("settles what the shared payments service commits", { timeout: 180_000 }, async () => {
    const { register } = await import("@/instrumentation");
    await register();
    const { sharedPayments, startSharedSettler } = await import("./payments");
    const payments = await sharedPayments();
    expect(await startSharedSettler()).toBe(await startSharedSettler());

    const signed = await fixture.signPermit(2, { cap: 5_000n, expiry: (await fixture.now()) + 3_600n, nonce: 1n });
    const permit = await payments.registerPermit(signed);
    const hold = await payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price: 1_000n });
    const committed = await payments.commit(hold.id, {
      modelId: 1n,
      prompt: "p",
      output: "o",
      retrievedRecordIds: [],
      attribution: { hash: keccak256(toHex("server")), proof: {} },
      payouts: evenPayouts(1_000n, 100, [devAccounts[7].address]),
    });

    const { db } = await sharedDb();
    let status = "pending";
    for (const deadline = Date.now() + 120_000; Date.now() < deadline && status !== "settled"; ) {
      [{ status }] = await db.select({ status: inferences.status }).from(inferences).where(eq(inferences.id, committed.id));
      if (status !== "settled") await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe("settled");
    const events = await fixture.client.getContractEvents({
      address: fixture.deployment.market,
      abi: (await import("@/lib/chain/abis")).upstreamMarketAbi,
      eventName: "InferenceSettled",
      fromBlock: 0n,
    });
    expect(events.map((e) => e.args.inferenceId)).toEqual([committed.settlementSeq]);
  });
});
