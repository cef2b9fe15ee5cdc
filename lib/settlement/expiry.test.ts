/**
 * Permit expiry against the commit, on anvil with the real market, payments and settler: an answer
 * may be committed up to a hold's life after it was authorized and settled up to a settlement
 * window after that, so a hold is granted only under a permit that outlives both, and a settler
 * with a backlog sends the inferences of permits close to expiry first.
 */
import { eq } from "drizzle-orm";
import { keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { inferences } from "@/db/schema/payments";
import { testDatabases } from "@/db/testing";
import { upstreamMarketAbi } from "@/lib/chain/abis";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { errorBody } from "@/lib/http";
import { type Hold, type Payments, PermitExpiredError } from "@/lib/payments";
import { evenPayouts, openTestDb, paymentsFor } from "@/lib/payments/testing";
import { createSettler, type Settler } from "./index";

const FEE_BPS = 250;
const PRICE = 1_000n;
const HOLD_TTL_SECONDS = 600n;
const WINDOW_SECONDS = 180n;
const owner = devAccounts[7].address;
const contributor = devAccounts[8].address;
const payer = devAccounts[2].address;

describe.each(testDatabases())("permit expiry against the commit on $name", (target) => {
  let fixture: MarketFixture;
  let handle: DbHandle;
  let payments: Payments;
  let nonce = 1n;
  const batches: bigint[][] = [];
  let afterFirstBatch: (() => Promise<void>) | undefined;
  let settler: Settler;

  beforeAll(async () => {
    fixture = await startMarketFixture({ feeBps: FEE_BPS });
    handle = await openTestDb(target);
    payments = paymentsFor(handle.db, fixture, {
      balanceCacheMs: 0,
      holdTtlMs: Number(HOLD_TTL_SECONDS) * 1_000,
      settlementWindowSeconds: Number(WINDOW_SECONDS),
    });
    await fixture.fund(2, 1_000_000n);
    settler = createSettler({
      db: handle.db,
      walletClient: fixture.wallet(1),
      publicClient: fixture.client,
      deployment: fixture.deployment,
      batchSize: 2,
      maxWaitMs: 50,
      async onStage(stage, seqs) {
        if (stage === "claimed") batches.push([...seqs]);
        if (stage === "marked" && batches.length === 1) await afterFirstBatch?.();
      },
    });
  });
  afterAll(async () => {
    await settler?.stop();
    await handle?.close();
    await fixture?.stop();
  });

  /** A permit of the payer that expires `life` seconds from the chain's now. */
  async function permitFor(life: bigint) {
    const signed = await fixture.signPermit(2, { cap: 1_000_000n, expiry: (await fixture.now()) + life, nonce: nonce++ });
    return payments.registerPermit(signed);
  }

  const commit = (hold: Hold) =>
    payments.commit(hold.id, {
      modelId: 3n,
      prompt: "Call me Ishmael.",
      output: "Some years ago — never mind how long precisely.",
      retrievedRecordIds: [],
      attribution: { hash: keccak256(toHex(hold.id)), proof: { hold: hold.id } },
      payouts: evenPayouts(hold.amount, FEE_BPS, [owner, contributor]),
    });

  const deposit = () =>
    fixture.client.readContract({ address: fixture.deployment.market, abi: upstreamMarketAbi, functionName: "depositOf", args: [payer] });

  const statusOf = async (id: string) => (await handle.db.select().from(inferences).where(eq(inferences.id, id)))[0].status;

  it("never grants a hold an answer could outlast its permit under: no late commit settles free", async () => {
    // Expires inside the hold's life: past the old one-minute margin, short of hold + window.
    const permit = await permitFor(300n);
    const now = await fixture.now();
    const attempt = await payments.authorize({ payer, permitId: permit.id, price: PRICE }).catch((error: unknown) => error);
    if (!(attempt instanceof PermitExpiredError)) {
      // The hold was granted: a long answer is committed after the permit expired, and settled.
      const before = await deposit();
      await fixture.increaseTime(400n);
      const committed = await commit(attempt as Hold);
      await settler.drainOnce();
      expect({ status: await statusOf(committed.id), charged: before - (await deposit()) }).toEqual({ status: "settled", charged: PRICE });
    }
    expect(attempt).toBeInstanceOf(PermitExpiredError);
    const body = errorBody(attempt).error as Record<string, unknown>;
    expect(body.code).toBe("PERMIT_EXPIRED");
    expect(body.expiry).toBe(permit.expiry.toString());
    // The permit must live until at least now + the hold's life + the settlement window.
    expect(BigInt(body.mustLiveUntil as string)).toBeGreaterThanOrEqual(now + HOLD_TTL_SECONDS + WINDOW_SECONDS);
  });

  it("holds under a permit that outlives the hold and its window, and charges the answer committed late", async () => {
    const permit = await permitFor(HOLD_TTL_SECONDS + WINDOW_SECONDS + 60n);
    const hold = await payments.authorize({ payer, permitId: permit.id, price: PRICE });
    const before = await deposit();
    await fixture.increaseTime(HOLD_TTL_SECONDS - 60n); // an answer that takes most of the hold's life
    const committed = await commit(hold);
    await settler.drainOnce();
    expect({ status: await statusOf(committed.id), charged: before - (await deposit()) }).toEqual({ status: "settled", charged: PRICE });
  });

  it("with a backlog, sends the inferences of permits close to expiry first", async () => {
    batches.length = 0;
    const lasting = await permitFor(86_400n);
    const short = await permitFor(HOLD_TTL_SECONDS + WINDOW_SECONDS + 30n);
    const queued = [];
    for (let i = 0; i < 3; i++) queued.push(await commit(await payments.authorize({ payer, permitId: lasting.id, price: PRICE })));
    const urgent = await commit(await payments.authorize({ payer, permitId: short.id, price: PRICE }));
    // The short permit comes within the settlement window of its expiry while the queue is two batches long…
    await fixture.increaseTime(HOLD_TTL_SECONDS + 60n);
    // …and expires while the first batch is being sent.
    afterFirstBatch = () => fixture.increaseTime(WINDOW_SECONDS);
    const before = await deposit();
    const result = await settler.drainOnce();
    afterFirstBatch = undefined;

    expect(batches[0]).toContain(urgent.settlementSeq);
    expect(result).toMatchObject({ settled: 4, failed: 0 });
    for (const c of [...queued, urgent]) expect(await statusOf(c.id)).toBe("settled");
    expect(before - (await deposit())).toBe(4n * PRICE);
  });
});
