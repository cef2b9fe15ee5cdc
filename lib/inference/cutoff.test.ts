import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { inferences } from "@/db/schema";
import { testDatabases } from "@/db/testing";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { openTestDb, paymentsFor } from "@/lib/payments/testing";
import { createGateway } from "./gateway";
import { mobyDickTexts, seedTwoContributorModel } from "./testing/seed";

const PRICE = 10_000n;
const PAYER = 4;

// A client that reads the first piece of a streamed answer and then stops reading keeps the
// answer running past its hold: a commit after the hold expired is refused, and the answer went
// free. Once output was delivered, the run is charged before the hold expires.
describe("a streamed answer read too slowly to finish within its hold", () => {
  let fixture: MarketFixture;
  let handle: DbHandle;

  beforeAll(async () => {
    fixture = await startMarketFixture({ feeBps: 250 });
    handle = await openTestDb(testDatabases()[0]);
    await seedTwoContributorModel(handle.db, {
      owner: devAccounts[7].address,
      price: PRICE,
      contributors: [devAccounts[8].address, devAccounts[9].address],
      texts: mobyDickTexts(0, 4),
      split: 60,
    });
  });
  afterAll(async () => {
    await handle?.close();
    await fixture?.stop();
  });

  it("is cut off and charged for the output delivered so far before its hold expires", { timeout: 60_000 }, async () => {
    // A hold that lives 16 s: the run is charged 15 s before it expires, 1 s after delivery.
    const payments = paymentsFor(handle.db, fixture, { balanceCacheMs: 0, holdTtlMs: 16_000 });
    const gateway = createGateway({ db: handle.db, payments, config: { maxPromptChars: 4_000, protocolFeeBps: 250, backendKeys: {} } });
    await fixture.fund(PAYER, 100_000n);
    const signed = await fixture.signPermit(PAYER, { cap: 100_000n, expiry: (await fixture.now()) + 3_600n, nonce: 1n });
    const permit = await payments.registerPermit(signed);
    const run = await gateway.runInference({
      modelId: 1n,
      messages: [{ role: "user", content: "Why does Ishmael go to sea in a damp, drizzly November?" }],
      auth: { payer: devAccounts[PAYER].address, permitId: permit.id },
    });
    const events = run.events[Symbol.asyncIterator]();
    const first = await events.next();
    expect(first.done).toBe(false);
    run.delivered();
    // The client stops reading; the hold's deadline passes.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const charged = run.charged();
    expect(charged?.price).toBe(PRICE);
    const [row] = await handle.db.select({ output: inferences.output }).from(inferences).where(eq(inferences.id, charged!.id));
    expect(row.output.length).toBeGreaterThan(0);
    // Reading on ends the stream with the cut-off, not with more (free) output.
    await expect(events.next()).rejects.toMatchObject({ code: "ANSWER_CUT_OFF" });
    await run.cancel();
  });
});
