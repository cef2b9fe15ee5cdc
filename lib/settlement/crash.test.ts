/**
 * Exactly once across crashes: a settler in a child process is SIGKILLed at each stage of a batch
 * (and at random moments), restarted each time, and in the end every committed inference must be
 * settled exactly once on chain — one InferenceSettled event each — and every payer charged
 * exactly the sum of its inferences.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle, migrate } from "@/db/client";
import { inferences, outbox } from "@/db/schema/payments";
import { adminQuery } from "@/db/testing";
import { upstreamMarketAbi } from "@/lib/chain/abis";
import { devAccounts, settlerAccount } from "@/lib/chain/devAccounts";
import { type MarketFixture, seededRandom, startMarketFixture } from "@/lib/chain/fixture";
import { evenPayouts, paymentsFor } from "@/lib/payments/testing";
import type { SettlerStage } from "./index";

const FEE_BPS = 250;
const INFERENCES = 40;
const BATCH_SIZE = 4;
const payers = [2, 3, 4];
const payeePool = [5, 6, 7, 8, 9].map((i) => devAccounts[i].address);
// node itself (not the tsx CLI, which would wrap it in a second process) so a kill hits the settler.
const nodeArgs = ["--import", "tsx"];
const child = join(process.cwd(), "lib", "settlement", "testing", "settler-process.ts");

type Target = { name: string; open(): Promise<{ env: Record<string, string>; connect(): Promise<DbHandle>; drop(): Promise<void> }> };

// PostgreSQL when TEST_DATABASE_URL is set, else a PGlite folder: each restart costs seconds, so
// the suite runs against one of them rather than both.
const adminUrl = process.env.TEST_DATABASE_URL;
const targets: Target[] = [];
if (!adminUrl) {
  targets.push({
    name: "pglite",
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "upstream-settler-"));
      return {
        env: { SETTLER_PGLITE_DIR: dir },
        connect: () => createDb({ dataDir: dir }),
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  });
} else {
  const admin = adminUrl;
  targets.push({
    name: "postgres",
    async open() {
      const name = `upstream_settler_${randomBytes(6).toString("hex")}`;
      await adminQuery(admin, `create database ${name}`);
      const url = new URL(admin);
      url.pathname = `/${name}`;
      return {
        env: { SETTLER_DATABASE_URL: url.toString() },
        connect: () => createDb({ url: url.toString() }),
        drop: () => adminQuery(admin, `drop database if exists ${name} with (force)`),
      };
    },
  });
}

type Run = { code: number | null; signal: NodeJS.Signals | null; stderr: string };

function runSettler(env: Record<string, string>, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...nodeArgs, child], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on("data", (d: Buffer) => {
      if (killAfterMs !== undefined && d.toString().includes("ready")) setTimeout(() => proc.kill("SIGKILL"), killAfterMs);
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 90_000);
    proc.on("error", reject);
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

describe.each(targets)("settlement exactly once across crashes on $name", (target) => {
  let fixture: MarketFixture;
  let db: Awaited<ReturnType<Target["open"]>>;
  const deposits = new Map<Address, bigint>();
  const seed = Number(process.env.SETTLER_CRASH_SEED ?? Date.now() % 1_000_000);
  // Seeded, so a failing run can be replayed from the seed in its message.
  const rand = seededRandom(seed).next;

  beforeAll(async () => {
    fixture = await startMarketFixture({ feeBps: FEE_BPS });
    db = await target.open();
    for (const i of payers) {
      await fixture.fund(i, 1_000_000n);
      deposits.set(devAccounts[i].address, 1_000_000n);
    }
    const handle = await db.connect();
    try {
      await migrate(handle.db);
      const payments = paymentsFor(handle.db, fixture);
      const permits = new Map<number, string>();
      for (const i of payers) {
        const signed = await fixture.signPermit(i, { cap: 500_000n, expiry: (await fixture.now()) + 86_400n, nonce: 1n });
        permits.set(i, (await payments.registerPermit(signed)).id);
      }
      for (let n = 0; n < INFERENCES; n++) {
        const payer = payers[n % payers.length];
        const price = 1_000n + BigInt(Math.floor(rand() * 4_000));
        const payees = payeePool.filter(() => rand() < 0.6);
        const hold = await payments.authorize({ payer: devAccounts[payer].address, permitId: permits.get(payer)!, price });
        await payments.commit(hold.id, {
          modelId: BigInt(1 + (n % 3)),
          prompt: `question ${n}`,
          output: `answer ${n}`,
          retrievedRecordIds: [],
          attribution: { hash: keccak256(toHex(`inference ${n}`)), proof: { n } },
          payouts: evenPayouts(price, FEE_BPS, payees.length > 0 ? payees : [payeePool[0]]),
        });
      }
    } finally {
      // PGlite allows one process per folder: the settler processes open it next.
      await handle.close();
    }
  });
  afterAll(async () => {
    await fixture?.stop();
    await db?.drop();
  });

  it("settles every inference exactly once and charges every payer exactly its sum", { timeout: 300_000 }, async () => {
    const env = {
      ...db.env,
      SETTLER_RPC_URL: fixture.anvil.rpcUrl,
      SETTLER_CHAIN_ID: String(fixture.anvil.chainId),
      SETTLER_MARKET: fixture.deployment.market,
      SETTLER_PRIVATE_KEY: settlerAccount.privateKey,
      SETTLER_BATCH_SIZE: String(BATCH_SIZE),
    };
    const stages: SettlerStage[] = ["claimed", "recorded", "sent", "mined", "marked"];
    let killed = 0;
    for (const stage of stages) {
      const at = 1 + Math.floor(rand() * 2);
      const run = await runSettler({ ...env, SETTLER_KILL_STAGE: stage, SETTLER_KILL_AT: String(at) });
      expect(run.code, `seed ${seed}, stage ${stage}: ${run.stderr}`).not.toBe(1);
      if (run.signal === "SIGKILL") killed++;
    }
    // And once at a random moment, wherever the settler happens to be.
    const timed = await runSettler(env, 100 + Math.floor(rand() * 1_500));
    if (timed.signal === "SIGKILL") killed++;
    expect(killed, `seed ${seed}`).toBeGreaterThanOrEqual(stages.length);
    const last = await runSettler(env);
    expect([last.code, last.signal], `seed ${seed}: ${last.stderr}`).toEqual([0, null]);

    const handle = await db.connect();
    try {
      const rows = await handle.db.select().from(inferences);
      const queue = await handle.db.select().from(outbox);
      expect(rows).toHaveLength(INFERENCES);
      expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["settled"]));
      expect(new Set(queue.map((r) => r.status))).toEqual(new Set(["settled"]));

      const events = await fixture.client.getContractEvents({
        address: fixture.deployment.market,
        abi: upstreamMarketAbi,
        eventName: "InferenceSettled",
        fromBlock: 0n,
      });
      expect(events.map((e) => e.args.inferenceId).sort()).toEqual(rows.map((r) => r.settlementSeq).sort());
      for (const row of rows) {
        const [event] = events.filter((e) => e.args.inferenceId === row.settlementSeq);
        expect(event.transactionHash).toBe(row.settlementTxHash);
        expect([event.args.price, event.args.payer!.toLowerCase()]).toEqual([row.price, row.payer]);
      }
      for (const [payer, initial] of deposits) {
        const charged = rows.filter((r) => r.payer === payer.toLowerCase()).reduce((s, r) => s + r.price, 0n);
        const now = await fixture.client.readContract({
          address: fixture.deployment.market,
          abi: upstreamMarketAbi,
          functionName: "depositOf",
          args: [payer],
        });
        expect(initial - now, `payer ${payer}, seed ${seed}`).toBe(charged);
      }
      for (const payee of payeePool) {
        const credited = rows.reduce(
          (s, r) => s + r.payees.reduce((t, p, i) => (p === payee.toLowerCase() ? t + r.amounts[i] : t), 0n),
          0n,
        );
        const claimable = await fixture.client.readContract({
          address: fixture.deployment.market,
          abi: upstreamMarketAbi,
          functionName: "claimableOf",
          args: [payee],
        });
        expect(claimable, `payee ${payee}, seed ${seed}`).toBe(credited);
      }
    } finally {
      await handle.close();
    }
  });
});
