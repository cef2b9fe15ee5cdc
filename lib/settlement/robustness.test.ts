/**
 * The settler under a chain that misbehaves: reorgs before and after a batch was recorded,
 * a transaction stuck under a low fee or dropped from the mempool, a row that makes its batch
 * revert, a node that lost an event or refuses wide log queries, and a database started afresh
 * against a market that already settled ids. After each, every paid inference settled exactly
 * once on the canonical chain and every payer was charged exactly its sum.
 */
import { eq, inArray, sql } from "drizzle-orm";
import { type Hex, keccak256, type PublicClient, toHex, zeroAddress } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { inferences, outbox } from "@/db/schema/payments";
import { testDatabases } from "@/db/testing";
import { upstreamMarketAbi } from "@/lib/chain/abis";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { apiKeyCreationMessage, type Payments } from "@/lib/payments";
import { evenPayouts, openTestDb, paymentsFor } from "@/lib/payments/testing";
import { runOutboxCommand } from "@/scripts/outbox";
import { type CreateSettlerParameters, createSettler, quarantinedRows, releaseQuarantined, type SettlerEvent } from "./index";
import { continueIdsAfter } from "./outbox";

const FEE_BPS = 250;
const PAYER = 2;
const payer = devAccounts[PAYER].address;
const payees = [devAccounts[7].address, devAccounts[8].address, devAccounts[9].address];

describe.each(testDatabases())("settler under a misbehaving chain on $name", (target) => {
  let fixture: MarketFixture;
  let handle: DbHandle;
  let payments: Payments;
  let permitId: string;
  let nonce = 1n;
  /** Deposit before the test: the payer must be charged exactly the sum of what it committed. */
  let depositBefore: bigint;

  const rpc = (method: string, params: unknown[] = []) =>
    fixture.client.request({ method: method as never, params: params as never }) as Promise<unknown>;
  const deposit = () =>
    fixture.client.readContract({ address: fixture.deployment.market, abi: upstreamMarketAbi, functionName: "depositOf", args: [payer] });

  beforeAll(async () => {
    fixture = await startMarketFixture({ feeBps: FEE_BPS, withdrawalDelay: 0n });
    await fixture.fund(PAYER, 10_000_000n);
  });
  afterAll(async () => {
    await fixture?.stop();
  });
  beforeEach(async () => {
    handle = await openTestDb(target);
    payments = paymentsFor(handle.db, fixture, { balanceCacheMs: 0 });
    const signed = await fixture.signPermit(PAYER, { cap: 1_000_000n, expiry: (await fixture.now()) + 3_600n, nonce: nonce++ });
    permitId = (await payments.registerPermit(signed)).id;
    depositBefore = await deposit();
    // Each test starts a fresh database on the same market: its ids go on after the earlier tests'
    // (the last test is about what happens when they do not).
    await continueIdsAfter(handle.db, await maxSettledId());
  });
  afterEach(async () => {
    await rpc("evm_setAutomine", [true]);
    await handle?.close();
  });

  const settlerWith = (options: Partial<CreateSettlerParameters> = {}) => {
    const events: SettlerEvent[] = [];
    const settler = createSettler({
      db: handle.db,
      walletClient: fixture.wallet(1),
      publicClient: fixture.client,
      deployment: fixture.deployment,
      batchSize: 10,
      maxWaitMs: 0,
      onEvent: (event) => events.push(event),
      ...options,
    });
    return { settler, events };
  };

  async function paid(price: bigint, apiKey?: string) {
    const hold = await payments.authorize(apiKey ? { apiKey, price } : { payer, permitId, price });
    return payments.commit(hold.id, {
      modelId: 1n,
      prompt: "Call me Ishmael.",
      output: "Some years ago.",
      retrievedRecordIds: [],
      attribution: { hash: keccak256(toHex(hold.id)), proof: { hold: hold.id } },
      payouts: evenPayouts(price, FEE_BPS, payees),
    });
  }

  async function paidMany(count: number, base = 1_000n) {
    const out = [];
    for (let i = 0; i < count; i++) out.push(await paid(base + BigInt(i)));
    return out;
  }

  /**
   * Every inference in `ids` settled exactly once on the canonical chain, its row says so with the
   * event's transaction and block, and the payer's deposit went down by exactly their prices.
   */
  async function expectSettledExactlyOnce(inferenceIds: readonly string[]) {
    const rows = await handle.db
      .select()
      .from(inferences)
      .where(inArray(inferences.id, [...inferenceIds]));
    expect(rows).toHaveLength(inferenceIds.length);
    const events = await settledEvents();
    for (const row of rows) {
      const ofRow = events.filter((e) => e.args.inferenceId === row.settlementSeq);
      expect(ofRow, `inference ${row.settlementSeq}`).toHaveLength(1);
      expect(ofRow[0].args.price).toBe(row.price);
      expect(ofRow[0].args.attributionHash).toBe(row.attributionHash);
      expect([row.status, row.settlementTxHash, row.settlementBlock]).toEqual(["settled", ofRow[0].transactionHash, ofRow[0].blockNumber]);
    }
    expect(depositBefore - (await deposit())).toBe(rows.reduce((sum, row) => sum + row.price, 0n));
  }

  const statuses = async (ids: readonly string[]) =>
    (
      await handle.db
        .select({ status: outbox.status })
        .from(outbox)
        .where(inArray(outbox.inferenceId, [...ids]))
    ).map((r) => r.status);

  it("a batch reorged out before it had its confirmations is sent again, and settles once when deep enough", async () => {
    const { settler } = settlerWith({ confirmations: 3 });
    const committed = await paidMany(4);
    const ids = committed.map((c) => c.id);
    expect(await settler.drainOnce()).toMatchObject({ batches: 1, settled: 0 });
    expect(await statuses(ids)).toEqual(["submitted", "submitted", "submitted", "submitted"]);

    await rpc("anvil_reorg", [1, []]); // the batch's block is replaced by an empty one
    expect(await settler.drainOnce()).toMatchObject({ requeued: 4, batches: 1, settled: 0 });
    await rpc("anvil_mine", ["0x2"]);
    expect(await settler.drainOnce()).toMatchObject({ settled: 4 });
    await expectSettledExactlyOnce(ids);
  });

  it("a batch reorged out after its rows were marked settled is found by the re-check and sent again", async () => {
    const { settler, events } = settlerWith({ confirmations: 1 });
    const committed = await paidMany(3);
    const ids = committed.map((c) => c.id);
    expect(await settler.drainOnce()).toMatchObject({ settled: 3 });
    const [first] = await handle.db.select().from(inferences).where(eq(inferences.id, ids[0]));

    await rpc("anvil_reorg", [2, []]);
    expect(await settler.drainOnce()).toMatchObject({ reopened: 3, requeued: 3, batches: 1, settled: 3 });
    expect(events.find((e) => e.type === "reorged")).toMatchObject({ blocks: [first.settlementBlock], reopened: 3 });
    const [again] = await handle.db.select().from(inferences).where(eq(inferences.id, ids[0]));
    expect(again.settlementTxHash).not.toBe(first.settlementTxHash);
    await expectSettledExactlyOnce(ids);
  });

  it("a chain rolled back below a recorded batch's block: the batch is sent again", async () => {
    const { settler } = settlerWith({ confirmations: 1 });
    const ids = (await paidMany(2)).map((c) => c.id);
    expect(await settler.drainOnce()).toMatchObject({ settled: 2 });
    await rpc("anvil_rollback", [1]);
    expect(await settler.drainOnce()).toMatchObject({ reopened: 2, settled: 2 });
    await expectSettledExactlyOnce(ids);
  });

  it("a refusal recorded from a reorged-out block is undone too: its API key refund is taken back and it is sent again", async () => {
    const { settler } = settlerWith({ confirmations: 1 });
    const message = apiKeyCreationMessage({ payer, permitId, spendCap: 100_000n, label: "reorg", issuedAt: new Date().toISOString() });
    const { key } = await payments.createApiKey({
      payer,
      permitId,
      spendCap: "100000",
      label: "reorg",
      message,
      signature: await fixture.wallet(PAYER).signMessage({ message }),
    });
    const [good] = await paidMany(1);
    // An inference whose split does not add up (an operator's bug): the market skips it as
    // SplitMismatch, and what it had added to its key's spent is given back, once.
    const bad = await paid(5_000n, key);
    await handle.db.update(inferences).set({ amounts: sql`array[1, 1, 1]::numeric[]` }).where(eq(inferences.id, bad.id));
    expect(await settler.drainOnce()).toMatchObject({ settled: 1, failed: 1 });
    await rpc("anvil_reorg", [1, []]);
    const again = await settler.drainOnce();
    expect(again).toMatchObject({ reopened: 2, settled: 1, failed: 1 });
    const [badRow] = await handle.db.select().from(inferences).where(eq(inferences.id, bad.id));
    expect([badRow.status, badRow.failureReason]).toEqual(["failed", "SplitMismatch"]);
    const [keyRow] = await payments.listApiKeys(payer);
    expect(keyRow.spent).toBe(0n); // reopened (+5000) and refused again (−5000): not refunded twice
    await expectSettledExactlyOnce([good.id]);
  });

  it("a transaction left unmined is replaced with a higher fee under the same nonce, and settles once", async () => {
    const { settler, events } = settlerWith({ replaceAfterMs: 300 });
    await rpc("evm_setAutomine", [false]);
    const ids = (await paidMany(2)).map((c) => c.id);
    expect(await settler.drainOnce()).toMatchObject({ batches: 1, settled: 0 });
    const [row] = await handle.db.select().from(outbox).where(eq(outbox.inferenceId, ids[0]));
    const stuck = await fixture.client.getTransaction({ hash: row.txHash! });
    expect(stuck.blockNumber).toBeNull(); // no block takes it (none is mined: a congested chain)
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await settler.drainOnce()).toMatchObject({ replaced: 1, settled: 0 });
    const replaced = events.find((e) => e.type === "replaced");
    expect(replaced).toMatchObject({ from: row.txHash, nonce: stuck.nonce });
    const replacement = await fixture.client.getTransaction({ hash: (replaced as { to: Hex }).to });
    expect(replacement.nonce).toBe(stuck.nonce);
    expect(replacement.maxFeePerGas! > stuck.maxFeePerGas!).toBe(true);

    // Still unmined: re-priced again and again, but never past four times the chain's estimate.
    for (let i = 0; i < 16; i++) {
      await new Promise((resolve) => setTimeout(resolve, 320));
      await settler.drainOnce();
    }
    const replacements = events.filter((e) => e.type === "replaced") as { to: Hex }[];
    expect(replacements.length).toBeLessThanOrEqual(12); // 1.125^12 > 4: the ceiling stops it
    const last = await fixture.client.getTransaction({ hash: replacements.at(-1)!.to });
    const estimate = await fixture.client.estimateFeesPerGas();
    expect(last.maxFeePerGas! <= estimate.maxFeePerGas * 4n).toBe(true);
    expect(last.maxFeePerGas! > replacement.maxFeePerGas!).toBe(true);

    await rpc("evm_mine");
    expect(await settler.drainOnce()).toMatchObject({ settled: 2 });
    for (const earlier of [row.txHash!, ...replacements.slice(0, -1).map((r) => r.to)]) {
      await expect(fixture.client.getTransactionReceipt({ hash: earlier })).rejects.toThrow(); // only the last landed
    }
    await expectSettledExactlyOnce(ids);
    const [settledRow] = await handle.db.select().from(inferences).where(eq(inferences.id, ids[0]));
    expect(settledRow.settlementTxHash).toBe(last.hash);
  });

  it("a transaction dropped from the mempool is sent again", async () => {
    const { settler } = settlerWith({ replaceAfterMs: 200 });
    await rpc("evm_setAutomine", [false]);
    const ids = (await paidMany(3)).map((c) => c.id);
    expect(await settler.drainOnce()).toMatchObject({ batches: 1, settled: 0 });
    const [row] = await handle.db.select().from(outbox).where(eq(outbox.inferenceId, ids[0]));
    await rpc("anvil_dropTransaction", [row.txHash]);
    await rpc("evm_setAutomine", [true]);
    expect(await settler.drainOnce()).toMatchObject({ requeued: 3, batches: 1, settled: 3 });
    await expectSettledExactlyOnce(ids);
  });

  it("a row that makes its batch revert is quarantined, the rest settle, and it settles once released after a fix", async () => {
    const { settler, events } = settlerWith();
    const committed = await paidMany(3);
    const ids = committed.map((c) => c.id);
    const [poisoned] = await handle.db.select().from(inferences).where(eq(inferences.id, ids[1]));
    // A payee the market refuses (the zero address): the whole batch would revert with InvalidPayee.
    await handle.db
      .update(inferences)
      .set({ payees: [poisoned.payees[0], zeroAddress, poisoned.payees[2]] })
      .where(eq(inferences.id, ids[1]));

    expect(await settler.drainOnce()).toMatchObject({ quarantined: 1, settled: 2 });
    expect(events.find((e) => e.type === "quarantined")).toMatchObject({ seqs: [committed[1].settlementSeq] });
    expect(await quarantinedRows(handle.db)).toEqual([
      { seq: committed[1].settlementSeq, inferenceId: ids[1], reason: expect.stringMatching(/^SETTLEMENT_REVERTS: .*InvalidPayee/) },
    ]);
    // Still the payer's to pay: the row stays pending and counts against the free balance.
    const [held] = await handle.db.select().from(inferences).where(eq(inferences.id, ids[1]));
    expect(held.status).toBe("pending");

    await handle.db.update(inferences).set({ payees: poisoned.payees }).where(eq(inferences.id, ids[1]));
    // The operator's command lists it and queues it again (`npm run outbox -- release <seq>`).
    const seq = String(committed[1].settlementSeq);
    expect(await runOutboxCommand(handle.db, [])).toEqual([
      expect.stringMatching(new RegExp(`^${seq}\tinference ${ids[1]}\tSETTLEMENT_REVERTS`)),
    ]);
    await expect(runOutboxCommand(handle.db, ["release", "0x1"])).rejects.toThrow(/usage/);
    expect(await runOutboxCommand(handle.db, ["release", seq])).toEqual(["released 1 of 1 (only quarantined rows are released)"]);
    expect(await releaseQuarantined(handle.db, [committed[1].settlementSeq])).toBe(0);
    expect(await settler.drainOnce()).toMatchObject({ settled: 1 });
    await expectSettledExactlyOnce(ids);
  });

  it("a row whose batches pass their gas estimate but revert when mined is sent alone, then quarantined; the rest settle", async () => {
    const committed = await paidMany(4);
    const ids = committed.map((c) => c.id);
    const poisoned = committed[2].attributionHash.slice(2);
    // What a contract payer that behaves differently once mined does to a batch: the estimate
    // passes and the mined transaction runs out of gas. Here, any batch carrying that row.
    const wallet = fixture.wallet(1);
    const misestimating = {
      ...wallet,
      prepareTransactionRequest: async (args: Parameters<typeof wallet.prepareTransactionRequest>[0]) => {
        const request = await wallet.prepareTransactionRequest(args);
        return (request.data as string).includes(poisoned) ? { ...request, gas: (request.gas as bigint) / 2n } : request;
      },
    } as typeof wallet;
    const { settler, events } = settlerWith({ walletClient: misestimating, maxAttempts: 3 });
    const results: Awaited<ReturnType<typeof settler.drainOnce>>[] = [];
    for (let round = 0; round < 6; round++) results.push(await settler.drainOnce());
    const total = (key: "settled" | "quarantined") => results.reduce((sum, r) => sum + r[key], 0);
    expect([total("settled"), total("quarantined")]).toEqual([3, 1]);
    expect(events.find((e) => e.type === "quarantined")).toMatchObject({ seqs: [committed[2].settlementSeq] });
    expect((await quarantinedRows(handle.db))[0].reason).toMatch(/^SETTLEMENT_REVERTED: sent 3 times/);
    await expectSettledExactlyOnce([ids[0], ids[1], ids[3]]);
  });

  it("a row whose settlement event the node cannot find is quarantined, and the rest settle", async () => {
    const { settler } = settlerWith();
    const [lost] = await paidMany(1);
    await settler.drainOnce();
    // As if the process died after the receipt and before writing it down, on a node that has
    // since pruned the event.
    await handle.db.update(outbox).set({ status: "pending", txHash: null }).where(eq(outbox.inferenceId, lost.id));
    await handle.db
      .update(inferences)
      .set({ status: "pending", settlementTxHash: null, settlementBlock: null })
      .where(eq(inferences.id, lost.id));
    const pruned = {
      ...fixture.client,
      getContractEvents: async () => [],
    } as unknown as PublicClient;
    const blind = settlerWith({ publicClient: pruned }).settler;
    const later = await paidMany(2);
    expect(await blind.drainOnce()).toMatchObject({ quarantined: 1, settled: 2 });
    expect((await quarantinedRows(handle.db)).map((r) => r.inferenceId)).toEqual([lost.id]);
    await handle.db.update(inferences).set({ status: "settled" }).where(eq(inferences.id, lost.id)); // not part of the check below
    const rows = await handle.db
      .select()
      .from(inferences)
      .where(
        inArray(
          inferences.id,
          later.map((c) => c.id),
        ),
      );
    expect(rows.map((r) => r.status)).toEqual(["settled", "settled"]);
  });

  it("log queries stay within the node's block range limit however long the chain", async () => {
    const LIMIT = 100n;
    const strict = {
      ...fixture.client,
      getContractEvents: (args: { fromBlock: bigint; toBlock: bigint }) => {
        if (typeof args.fromBlock !== "bigint" || typeof args.toBlock !== "bigint" || args.toBlock - args.fromBlock + 1n > LIMIT) {
          return Promise.reject(new Error(`block range too wide: ${args.fromBlock}..${args.toBlock}`));
        }
        return fixture.client.getContractEvents(args as never);
      },
    } as unknown as PublicClient;
    const { settler } = settlerWith({ publicClient: strict, logRangeBlocks: Number(LIMIT) });
    const [c] = await paidMany(1);
    expect(await settler.drainOnce()).toMatchObject({ settled: 1 });
    await rpc("anvil_mine", [toHex(1_000)]);
    // Lost the receipt's outcome: resolved from the event, a thousand blocks back.
    await handle.db.update(outbox).set({ status: "pending", txHash: null }).where(eq(outbox.inferenceId, c.id));
    await handle.db.update(inferences).set({ status: "pending" }).where(eq(inferences.id, c.id));
    expect(await settler.drainOnce()).toMatchObject({ settled: 1, quarantined: 0 });
    await expectSettledExactlyOnce([c.id]);
  });

  it("a database started afresh against a used market numbers its inferences after the chain's ids; a collision is renumbered, never written off", async () => {
    const { settler } = settlerWith();
    await paidMany(3);
    await settler.drainOnce();
    const onChainMax = await maxSettledId();

    // The operator loses the database and starts a new one against the same market.
    await handle.close();
    handle = await openTestDb(target);
    payments = paymentsFor(handle.db, fixture, { balanceCacheMs: 0 });
    const signed = await fixture.signPermit(PAYER, { cap: 1_000_000n, expiry: (await fixture.now()) + 3_600n, nonce: nonce++ });
    permitId = (await payments.registerPermit(signed)).id;
    depositBefore = await deposit();
    const collided = await paid(2_500n); // an id the chain already settled
    expect(collided.settlementSeq <= onChainMax).toBe(true);

    const fresh = settlerWith();
    expect(await fresh.settler.drainOnce()).toMatchObject({ settled: 1, failed: 0 });
    expect(fresh.events.find((e) => e.type === "renumbered")).toBeDefined();
    const later = await paid(2_600n);
    expect(later.settlementSeq > onChainMax).toBe(true);
    expect(await fresh.settler.drainOnce()).toMatchObject({ settled: 1, failed: 0 });
    await expectSettledExactlyOnce([collided.id, later.id]);
    const [renumbered] = await handle.db.select().from(inferences).where(eq(inferences.id, collided.id));
    expect(renumbered.settlementSeq > onChainMax).toBe(true);
  });

  /** Every InferenceSettled event of the market on the canonical chain. */
  const settledEvents = () =>
    fixture.client.getContractEvents({
      address: fixture.deployment.market,
      abi: upstreamMarketAbi,
      eventName: "InferenceSettled",
      fromBlock: 0n,
      strict: true,
    });

  async function maxSettledId(): Promise<bigint> {
    const events = await settledEvents();
    return events.reduce((max, e) => (e.args.inferenceId > max ? e.args.inferenceId : max), 0n);
  }
});
