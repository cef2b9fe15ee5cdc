import { eq, sql } from "drizzle-orm";
import { type Address, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { inferences, outbox } from "@/db/schema/payments";
import { testDatabases } from "@/db/testing";
import { upstreamMarketAbi } from "@/lib/chain/abis";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { errorBody } from "@/lib/http";
import { apiKeyCreationMessage, InsufficientBalanceError, PayerInDebtError, type Payments } from "@/lib/payments";
import { getPermits } from "@/lib/payments/api";
import { evenPayouts, openTestDb, paymentsFor } from "@/lib/payments/testing";
import { permitListAnswerSchema } from "@/lib/wire/payments";
import { createSettler, outboxCounts, type Settler } from "./index";

const FEE_BPS = 250;
/** Seconds a ready withdrawal request stays withdrawable in this market. */
const WINDOW = 60n;
const owner = devAccounts[7].address;
const contributors = [devAccounts[8].address, devAccounts[9].address];

describe.each(testDatabases())("settler on $name", (target) => {
  let fixture: MarketFixture;
  let handle: DbHandle;
  let payments: Payments;
  let settler: Settler;
  let permitId: string;
  let nonce = 1n;

  beforeAll(async () => {
    fixture = await startMarketFixture({ feeBps: FEE_BPS, withdrawalDelay: 0n, withdrawalWindow: WINDOW });
    handle = await openTestDb(target);
    payments = paymentsFor(handle.db, fixture, { balanceCacheMs: 0 });
    await Promise.all([fixture.fund(2, 100_000n), fixture.fund(3, 10_000n)]);
    permitId = (await registerPermit(2, 1_000_000n)).id;
    settler = createSettler({
      db: handle.db,
      walletClient: fixture.wallet(1),
      publicClient: fixture.client,
      deployment: fixture.deployment,
      batchSize: 3,
      maxWaitMs: 50,
    });
  });
  afterAll(async () => {
    await settler?.stop();
    await handle?.close();
    await fixture?.stop();
  });

  async function registerPermit(index: number, cap: bigint) {
    const signed = await fixture.signPermit(index, { cap, expiry: (await fixture.now()) + 3_600n, nonce: nonce++ });
    return payments.registerPermit(signed);
  }

  async function paid(
    price: bigint,
    payer: { payer: Address; permitId: string } | { apiKey: string } = { payer: devAccounts[2].address, permitId },
    feeBps = FEE_BPS,
    via = payments,
  ) {
    const hold = await via.authorize({ ...payer, price });
    return via.commit(hold.id, {
      modelId: 3n,
      prompt: "Call me Ishmael.",
      output: "Some years ago.",
      retrievedRecordIds: [],
      attribution: { hash: keccak256(toHex(`${hold.id}`)), proof: { hold: hold.id } },
      payouts: evenPayouts(price, feeBps, [owner, ...contributors]),
    });
  }

  const deposit = (payer: Address) =>
    fixture.client.readContract({ address: fixture.deployment.market, abi: upstreamMarketAbi, functionName: "depositOf", args: [payer] });

  const settledEvents = async () =>
    fixture.client.getContractEvents({
      address: fixture.deployment.market,
      abi: upstreamMarketAbi,
      eventName: "InferenceSettled",
      fromBlock: 0n,
    });

  it("settles every committed inference once, in batches, and records its transaction", async () => {
    const before = await deposit(devAccounts[2].address);
    const committed = [];
    for (let i = 0; i < 7; i++) committed.push(await paid(1_000n + BigInt(i)));
    const result = await settler.drainOnce();
    expect(result).toMatchObject({ batches: 3, settled: 7, failed: 0, requeued: 0 });

    const events = await settledEvents();
    const ids = events.map((e) => e.args.inferenceId);
    expect(ids.sort()).toEqual(committed.map((c) => c.settlementSeq).sort());
    const charged = committed.reduce((s, c) => s + c.price, 0n);
    expect(before - (await deposit(devAccounts[2].address))).toBe(charged);

    const rows = await handle.db.select().from(inferences);
    for (const row of rows) {
      const event = events.find((e) => e.args.inferenceId === row.settlementSeq)!;
      expect(row.status).toBe("settled");
      expect(row.settlementTxHash).toBe(event.transactionHash);
      expect(row.settlementBlock).toBe(event.blockNumber);
    }
    expect(await settler.drainOnce()).toEqual({ batches: 0, settled: 0, failed: 0, requeued: 0, quarantined: 0, reopened: 0, replaced: 0 });
    expect(await outboxCounts(handle.db)).toMatchObject({ pending: 0, submitted: 0, settled: 7 });
  });

  it("resubmitting settled inferences charges nothing more and keeps their first transaction", async () => {
    const c = await paid(2_000n);
    await settler.drainOnce();
    const [first] = await handle.db.select().from(inferences).where(eq(inferences.id, c.id));
    const before = await deposit(devAccounts[2].address);
    // As if the process died after the receipt and before writing it down, twice over:
    // once with the transaction recorded, once with the row back in the queue.
    await handle.db.update(outbox).set({ status: "submitted" }).where(eq(outbox.seq, c.settlementSeq));
    expect(await settler.drainOnce()).toMatchObject({ batches: 0, settled: 1 });
    await handle.db.update(outbox).set({ status: "pending", txHash: null }).where(eq(outbox.seq, c.settlementSeq));
    expect(await settler.drainOnce()).toMatchObject({ batches: 1, settled: 1, failed: 0 });
    const [after] = await handle.db.select().from(inferences).where(eq(inferences.id, c.id));
    expect(after.settlementTxHash).toBe(first.settlementTxHash);
    expect(await deposit(devAccounts[2].address)).toBe(before);
    expect((await settledEvents()).filter((e) => e.args.inferenceId === c.settlementSeq)).toHaveLength(1);
  });

  it("requeues a recorded transaction that never reached the chain and settles it once", async () => {
    const c = await paid(3_000n);
    const bogus = keccak256(toHex("never sent"));
    await handle.db.update(outbox).set({ status: "submitted", txHash: bogus, txNonce: 0 }).where(eq(outbox.seq, c.settlementSeq));
    const result = await settler.drainOnce();
    expect(result).toMatchObject({ requeued: 1, settled: 1, batches: 1 });
    const [row] = await handle.db.select().from(inferences).where(eq(inferences.id, c.id));
    expect(row.status).toBe("settled");
    expect(row.settlementTxHash).not.toBe(bogus);
  });

  it("marks an inference the market refuses as failed with the reason, charging nothing; the payer's skip is its debt", async () => {
    const payer3 = { payer: devAccounts[3].address, permitId: (await registerPermit(3, 50_000n)).id };
    const message = apiKeyCreationMessage({
      payer: payer3.payer,
      permitId: payer3.permitId,
      spendCap: 20_000n,
      label: "debt",
      issuedAt: new Date().toISOString(),
    });
    const { key } = await payments.createApiKey({
      payer: payer3.payer,
      permitId: payer3.permitId,
      spendCap: "20000",
      label: "debt",
      message,
      signature: await fixture.wallet(3).signMessage({ message }),
    });
    const c = await paid(4_000n, { apiKey: key });
    // The payer withdraws everything before the batch goes out (withdrawal delay 0 here).
    await fixture.send(3, {
      address: fixture.deployment.market,
      abi: upstreamMarketAbi,
      functionName: "requestWithdrawal",
      args: [10_000n],
    });
    await fixture.send(3, { address: fixture.deployment.market, abi: upstreamMarketAbi, functionName: "withdraw" });
    const result = await settler.drainOnce();
    expect(result).toMatchObject({ failed: 1, settled: 0 });
    const [row] = await handle.db.select().from(inferences).where(eq(inferences.id, c.id));
    expect([row.status, row.failureReason]).toEqual(["failed", "InsufficientBalance"]);
    expect(await deposit(devAccounts[3].address)).toBe(0n);

    // The payer had the answer: it owes it, its key keeps it spent, and it is refused until a deposit covers the debt.
    const [keyRow] = await payments.listApiKeys(payer3.payer);
    expect(keyRow.spent).toBe(4_000n);
    const listed = await getPermits(new Request(`http://localhost/api/permits?payer=${payer3.payer}`), payments);
    expect(permitListAnswerSchema.parse(await listed.json()).debt).toBe(4_000n);
    await fixture.fund(3, 5_000n);
    const refused = await payments.authorize({ ...payer3, price: 1_500n }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PayerInDebtError);
    expect(errorBody(refused)).toMatchObject({ error: { code: "PAYER_IN_DEBT", debt: "4000", free: "1000", price: "1500" } });
    expect((refused as PayerInDebtError).status).toBe(402);
    await fixture.fund(3, 500n);
    const hold = await payments.authorize({ ...payer3, price: 1_500n });
    expect(hold.amount).toBe(1_500n);
    await payments.release(hold.id);
  });

  it("a pending withdrawal request counts against the free balance: no hold is granted that the withdrawal would leave unpaid", async () => {
    // The attack: deposit, request a withdrawal of everything, take holds on the deposit, withdraw
    // before the batch lands — the settlement would be skipped as InsufficientBalance.
    const payer4 = { payer: devAccounts[4].address, permitId: (await registerPermit(4, 50_000n)).id };
    await fixture.fund(4, 10_000n);
    const request = (amount: bigint) =>
      fixture.send(4, { address: fixture.deployment.market, abi: upstreamMarketAbi, functionName: "requestWithdrawal", args: [amount] });
    await request(10_000n);
    const refused = await payments.authorize({ ...payer4, price: 4_000n }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InsufficientBalanceError);
    expect(errorBody(refused)).toMatchObject({ error: { code: "INSUFFICIENT_BALANCE", free: "0", price: "4000" } });
    expect((refused as InsufficientBalanceError).status).toBe(402);

    // A smaller request (it replaces the first) leaves the rest free, and the withdrawal then leaves
    // enough on deposit for the batch.
    await request(7_000n);
    const c = await paid(3_000n, payer4);
    await expect(payments.authorize({ ...payer4, price: 1n })).rejects.toBeInstanceOf(InsufficientBalanceError);
    await fixture.send(4, { address: fixture.deployment.market, abi: upstreamMarketAbi, functionName: "withdraw" });
    expect(await settler.drainOnce()).toMatchObject({ settled: 1, failed: 0 });
    const [row] = await handle.db.select().from(inferences).where(eq(inferences.id, c.id));
    expect(row.status).toBe("settled");
    expect(await deposit(devAccounts[4].address)).toBe(0n);

    // A cancelled request frees its amount again.
    await fixture.fund(4, 2_000n);
    await request(2_000n);
    await expect(payments.authorize({ ...payer4, price: 2_000n })).rejects.toBeInstanceOf(InsufficientBalanceError);
    await fixture.send(4, { address: fixture.deployment.market, abi: upstreamMarketAbi, functionName: "cancelWithdrawal" });
    const hold = await payments.authorize({ ...payer4, price: 2_000n });
    expect(hold.amount).toBe(2_000n);
    await payments.release(hold.id);

    // So does an expired one: the market refuses to pay it out (WithdrawalExpired).
    await request(2_000n);
    await expect(payments.authorize({ ...payer4, price: 2_000n })).rejects.toBeInstanceOf(InsufficientBalanceError);
    await fixture.increaseTime(WINDOW);
    const later = await payments.authorize({ ...payer4, price: 2_000n });
    expect(later.amount).toBe(2_000n);
    await payments.release(later.id);
  });

  it("the running loop sends a partial batch once the oldest inference has waited maxWaitMs", { timeout: 90_000 }, async () => {
    const c = await paid(5_000n);
    settler.start();
    // Waits (up to a generous bound on a loaded machine) for the loop, not for a set time.
    for (const deadline = Date.now() + 50_000; Date.now() < deadline; ) {
      const [row] = await handle.db.select({ status: outbox.status }).from(outbox).where(eq(outbox.seq, c.settlementSeq));
      if (row.status === "settled") break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await settler.stop();
    const [row] = await handle.db.select().from(inferences).where(eq(inferences.id, c.id));
    expect(row.status).toBe("settled");
    const [{ n }] = await handle.db
      .select({ n: sql<string>`count(*)` })
      .from(outbox)
      .where(sql`${outbox.status} in ('pending', 'submitted')`);
    expect(Number(n)).toBe(0);
  });
  it("a fee change leaves the inferences in flight payable: those split with the old fee settle with it", async () => {
    await settler.drainOnce();
    const before = await deposit(devAccounts[2].address);
    const old = [await paid(2_000n), await paid(3_000n)];
    // The admin changes the fee after these were split with the old one and before the settler sends them.
    await fixture.send(0, { address: fixture.deployment.market, abi: upstreamMarketAbi, functionName: "setProtocolFee", args: [500] });
    // A server whose fee read is still the old one splits with it; one that read the new one, with that.
    const stale = await paid(1_000n, undefined, await payments.protocolFeeBps());
    const rereading = paymentsFor(handle.db, fixture, { balanceCacheMs: 0 });
    expect(await rereading.protocolFeeBps()).toBe(500);
    const fresh = await paid(4_000n, undefined, 500, rereading);
    expect(await settler.drainOnce()).toMatchObject({ settled: 4, failed: 0 });
    for (const c of [...old, stale, fresh]) {
      const [row] = await handle.db.select().from(inferences).where(eq(inferences.id, c.id));
      expect([row.status, row.failureReason]).toEqual(["settled", null]);
    }
    expect(before - (await deposit(devAccounts[2].address))).toBe(10_000n);
    const fees = (await settledEvents()).slice(-4).map((e) => e.args.fee);
    expect(fees).toEqual([50n, 75n, 25n, 200n]);
  });

  it.runIf(target.name === "postgres")(
    "the running loop vacuums the payment tables when asked to, between batches",
    { timeout: 90_000 },
    async () => {
      const lastVacuum = async () => {
        const result = (await handle.db.execute(sql`select last_vacuum from pg_stat_user_tables where relname = 'outbox'`)) as unknown as {
          rows: { last_vacuum: string | null }[];
        };
        return result.rows[0]?.last_vacuum ? new Date(result.rows[0].last_vacuum).getTime() : 0;
      };
      const before = await lastVacuum();
      const vacuuming = createSettler({
        db: handle.db,
        walletClient: fixture.wallet(1),
        publicClient: fixture.client,
        deployment: fixture.deployment,
        maxWaitMs: 50,
        vacuumEveryMs: 1,
      });
      vacuuming.start();
      for (const deadline = Date.now() + 50_000; Date.now() < deadline && (await lastVacuum()) <= before; ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await vacuuming.stop();
      expect(await lastVacuum()).toBeGreaterThan(before);
    },
  );
});
