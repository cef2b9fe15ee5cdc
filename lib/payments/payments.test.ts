import { eq } from "drizzle-orm";
import { type Address, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { inferences } from "@/db/schema/payments";
import { testDatabases } from "@/db/testing";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { errorBody } from "@/lib/http";
import { apiKeyCreationMessage, apiKeyRevocationMessage, PaymentError, type Payments } from "./index";
import { evenPayouts, openTestDb, paymentsFor } from "./testing";

const FEE_BPS = 250;
const owner = devAccounts[7].address;
const contributor = devAccounts[8].address;

/** The stable code a rejected promise carries. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return errorBody(error).error.code + (error instanceof PaymentError && "reason" in error ? `:${String(error.reason)}` : "");
  }
  return "RESOLVED";
}

const wire = (p: { cap: bigint; expiry: bigint; nonce: bigint }) => ({
  ...p,
  cap: p.cap.toString(),
  expiry: p.expiry.toString(),
  nonce: p.nonce.toString(),
});

describe.each(testDatabases())("payments on $name", (target) => {
  let fixture: MarketFixture;
  let handle: DbHandle;
  let payments: Payments;
  let nextNonce = 1n;

  beforeAll(async () => {
    fixture = await startMarketFixture({ feeBps: FEE_BPS });
    handle = await openTestDb(target);
    // No cache, so tests that move the chain's clock or balance see it at once.
    // Batched as the server does: per payer over a pool, all together over PGlite's one connection.
    payments = paymentsFor(handle.db, fixture, { balanceCacheMs: 0, batchBy: handle.driver === "pglite" ? "all" : "payer" });
    await Promise.all([fixture.fund(2, 1_000_000n), fixture.fund(3, 50_000n), fixture.fund(4, 1_000_000n)]);
  });
  afterAll(async () => {
    await handle?.close();
    await fixture?.stop();
  });

  const sign = async (index: number, options: { cap?: bigint; ttl?: bigint; nonce?: bigint; spender?: Address } = {}) => {
    const permit = await fixture.signPermit(index, {
      cap: options.cap ?? 100_000n,
      expiry: (await fixture.now()) + (options.ttl ?? 3_600n),
      nonce: options.nonce ?? nextNonce++,
      spender: options.spender,
    });
    return { ...wire(permit), payer: permit.payer, spender: permit.spender, signature: permit.signature };
  };

  describe("registerPermit", () => {
    it("stores a valid permit and lists it with its whole cap left", async () => {
      const permit = await payments.registerPermit(await sign(2, { cap: 70_000n }));
      expect(permit.payer).toBe(devAccounts[2].address);
      const listed = await payments.listPermits(devAccounts[2].address.toLowerCase());
      const mine = listed.find((p) => p.id === permit.id)!;
      expect(mine).toMatchObject({ cap: 70_000n, spent: 0n, held: 0n, remaining: 70_000n, expired: false });
    });

    it("refuses a signature by another account", async () => {
      const permit = await sign(2);
      const forged = await fixture.signPermit(3, { cap: permit.cap as never, expiry: BigInt(permit.expiry), nonce: BigInt(permit.nonce) });
      expect(await codeOf(payments.registerPermit({ ...permit, signature: forged.signature }))).toBe("PERMIT_INVALID:BAD_SIGNATURE");
    });

    it("refuses a permit signed for another chain", async () => {
      const permit = await sign(2);
      const { signSpendPermit } = await import("@/lib/chain/permit");
      const other = await signSpendPermit({
        signer: fixture.wallet(2).account as never,
        chainId: 1,
        market: fixture.deployment.market,
        permit: {
          payer: permit.payer,
          spender: permit.spender,
          cap: BigInt(permit.cap),
          expiry: BigInt(permit.expiry),
          nonce: BigInt(permit.nonce),
        },
      });
      expect(await codeOf(payments.registerPermit({ ...permit, signature: other.signature }))).toBe("PERMIT_INVALID:BAD_SIGNATURE");
      expect(await codeOf(payments.registerPermit({ ...permit, signature: other.signature, chainId: 1 }))).toBe(
        "PERMIT_INVALID:WRONG_CHAIN",
      );
    });

    it("refuses a permit signed for another market contract", async () => {
      const permit = await sign(2);
      const { signSpendPermit } = await import("@/lib/chain/permit");
      const elsewhere = fixture.deployment.registry;
      const other = await signSpendPermit({
        signer: fixture.wallet(2).account as never,
        chainId: fixture.anvil.chainId,
        market: elsewhere,
        permit: {
          payer: permit.payer,
          spender: permit.spender,
          cap: BigInt(permit.cap),
          expiry: BigInt(permit.expiry),
          nonce: BigInt(permit.nonce),
        },
      });
      expect(await codeOf(payments.registerPermit({ ...permit, signature: other.signature }))).toBe("PERMIT_INVALID:BAD_SIGNATURE");
      expect(await codeOf(payments.registerPermit({ ...permit, signature: other.signature, market: elsewhere }))).toBe(
        "PERMIT_INVALID:WRONG_CONTRACT",
      );
    });

    it("refuses a permit for another spender than the settler", async () => {
      const permit = await sign(2, { spender: devAccounts[5].address });
      expect(await codeOf(payments.registerPermit(permit))).toBe("PERMIT_INVALID:WRONG_SPENDER");
    });

    it("refuses a replayed nonce, here and on chain", async () => {
      const permit = await sign(2);
      await payments.registerPermit(permit);
      expect(await codeOf(payments.registerPermit(permit))).toBe("PERMIT_INVALID:NONCE_REUSED");
      // Another permit under the same nonce.
      const twin = await sign(2, { cap: 5n, nonce: BigInt(permit.nonce) });
      expect(await codeOf(payments.registerPermit(twin))).toBe("PERMIT_INVALID:NONCE_REUSED");
      // A nonce settled on chain under another permit, unknown to this database.
      const nonce = nextNonce++;
      const used = await fixture.signPermit(4, { cap: 1_000n, expiry: (await fixture.now()) + 3_600n, nonce });
      await fixture.settle([
        {
          inferenceId: 9_000_000n + nonce,
          permit: used,
          modelId: 1n,
          price: 100n,
          attributionHash: keccak256(toHex("x")),
          payouts: evenPayouts(100n, FEE_BPS, [owner]),
        },
      ]);
      expect(await codeOf(payments.registerPermit(await sign(4, { nonce, cap: 2_000n })))).toBe("PERMIT_INVALID:NONCE_REUSED");
    });

    it("refuses an expired permit and malformed input", async () => {
      expect(await codeOf(payments.registerPermit(await sign(2, { ttl: 30n })))).toBe("PERMIT_EXPIRED");
      expect(await codeOf(payments.registerPermit({ payer: "0x12", cap: "-1" }))).toBe("PERMIT_INVALID:MALFORMED");
    });
  });

  describe("authorize, release and commit", () => {
    it("refuses an inference without a permit with PERMIT_MISSING (402)", async () => {
      const error = await payments.authorize({ payer: devAccounts[6].address, price: 10n }).catch((e) => e);
      expect(error).toBeInstanceOf(PaymentError);
      expect([error.code, error.status]).toEqual(["PERMIT_MISSING", 402]);
    });

    it("never holds more than the permit's cap under concurrent requests", async () => {
      const permit = await payments.registerPermit(await sign(4, { cap: 1_050n }));
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, () => payments.authorize({ payer: devAccounts[4].address, permitId: permit.id, price: 100n })),
      );
      const held = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code);
      expect(held).toHaveLength(10);
      expect(new Set(refused)).toEqual(new Set(["PERMIT_EXHAUSTED"]));
      const listed = (await payments.listPermits(devAccounts[4].address)).find((p) => p.id === permit.id)!;
      expect([listed.held, listed.remaining]).toEqual([1_000n, 50n]);
    });

    it("never holds more than the free deposit across permits under concurrent requests", async () => {
      // Account 3 deposited 50,000; two permits whose caps together exceed it.
      await payments.registerPermit(await sign(3, { cap: 40_000n }));
      await payments.registerPermit(await sign(3, { cap: 40_000n }));
      const results = await Promise.allSettled(
        Array.from({ length: 24 }, () => payments.authorize({ payer: devAccounts[3].address, price: 3_000n })),
      );
      const held = results.filter((r) => r.status === "fulfilled") as PromiseFulfilledResult<{
        id: string;
        amount: bigint;
        permitId: string;
      }>[];
      expect(held).toHaveLength(16);
      expect(held.reduce((s, r) => s + r.value.amount, 0n)).toBeLessThanOrEqual(50_000n);
      expect(new Set(held.map((r) => r.value.permitId)).size).toBe(2);
      const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code);
      expect(new Set(refused)).toEqual(new Set(["INSUFFICIENT_BALANCE"]));
      for (const r of held) await payments.release((r.value as { id: string }).id);
    });

    it.each(["all", "payer"] as const)(
      "decides concurrent requests of several payers each on their own balance (batched by %s)",
      async (batchBy) => {
        const mode = paymentsFor(handle.db, fixture, { balanceCacheMs: 0, batchBy });
        // Account 5 has a permit but never deposited; account 4 has both.
        const broke = await mode.registerPermit(await sign(5, { cap: 10_000n }));
        const rich = await mode.registerPermit(await sign(4, { cap: 1_000n }));
        const ask = (index: number, permitId: string) => mode.authorize({ payer: devAccounts[index].address, permitId, price: 300n });
        const results = await Promise.allSettled([
          ask(4, rich.id),
          ask(5, broke.id),
          ask(4, rich.id),
          ask(5, broke.id),
          ask(4, rich.id),
          ask(4, rich.id),
        ]);
        const codes = results.map((r) => (r.status === "fulfilled" ? r.value.payer : errorBody(r.reason).error.code));
        const a4 = devAccounts[4].address;
        // Account 5's both refused; three of account 4's four fit its cap (which one is last depends on arrival).
        expect([codes[1], codes[3]]).toEqual(["INSUFFICIENT_BALANCE", "INSUFFICIENT_BALANCE"]);
        expect([codes[0], codes[2], codes[4], codes[5]].sort()).toEqual([a4, a4, a4, "PERMIT_EXHAUSTED"]);
        for (const r of results) if (r.status === "fulfilled") await mode.release(r.value.id);
      },
    );

    it.each(["all", "payer"] as const)(
      "never spends past a permit's cap while authorizations, commits and releases interleave (batched by %s)",
      async (batchBy) => {
        const mode = paymentsFor(handle.db, fixture, { balanceCacheMs: 0, batchBy });
        const permit = await mode.registerPermit(await sign(4, { cap: 2_000n }));
        let committed = 0n;
        // 60 requests of 100 against a cap of 2,000: each one that gets a hold commits or releases it.
        const outcomes = await Promise.allSettled(
          Array.from({ length: 60 }, async (_, i) => {
            const hold = await mode.authorize({ payer: devAccounts[4].address, permitId: permit.id, price: 100n });
            await new Promise((r) => setTimeout(r, i % 7));
            if (i % 3 === 0) return mode.release(hold.id);
            await mode.commit(hold.id, inference(100n));
            committed += 100n;
          }),
        );
        const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [errorBody(o.reason).error.code] : []));
        expect(new Set(refused)).toEqual(new Set(["PERMIT_EXHAUSTED"]));
        const listed = (await mode.listPermits(devAccounts[4].address)).find((p) => p.id === permit.id)!;
        expect(listed.held).toBe(0n);
        expect(listed.spent).toBe(committed);
        expect(committed).toBeLessThanOrEqual(2_000n);
        // Released holds freed their amount: at least the cap's worth went through in the end.
        expect(committed + listed.remaining).toBe(2_000n);
      },
    );

    it("release leaves nothing held and frees the amount again", async () => {
      const permit = await payments.registerPermit(await sign(2, { cap: 500n }));
      const hold = await payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price: 500n });
      expect(await codeOf(payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price: 1n }))).toBe("PERMIT_EXHAUSTED");
      await payments.release(hold.id);
      await payments.release(hold.id);
      const listed = (await payments.listPermits(devAccounts[2].address)).find((p) => p.id === permit.id)!;
      expect([listed.held, listed.spent, listed.remaining]).toEqual([0n, 0n, 500n]);
      const again = await payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price: 500n });
      await payments.release(again.id);
      expect(await codeOf(payments.commit(hold.id, inference(500n)))).toBe("HOLD_CLOSED");
    });

    it("commit stores the inference, counts it as spent and refuses a second commit", async () => {
      const permit = await payments.registerPermit(await sign(2, { cap: 1_000n }));
      const hold = await payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price: 400n });
      const payouts = [
        { payee: contributor, amount: 200n },
        { payee: owner, amount: 150n },
        { payee: devAccounts[9].address, amount: 40n },
      ];
      const input = { ...inference(400n), retrievedRecordIds: ["7:2", "3:0", 'quote"d'], payouts };
      const committed = await payments.commit(hold.id, input);
      expect(committed.settlementSeq).toBeGreaterThan(0n);
      const [row] = await handle.db.select().from(inferences).where(eq(inferences.id, committed.id));
      expect(row).toMatchObject({
        settlementSeq: committed.settlementSeq,
        price: 400n,
        modelId: 1n,
        holdId: hold.id,
        status: "pending",
        retrievedRecordIds: ["7:2", "3:0", 'quote"d'],
        payees: input.payouts.map((p) => p.payee.toLowerCase()),
        amounts: input.payouts.map((p) => p.amount),
        attribution: { engine: "test", price: "400" },
        attributionHash: input.attribution.hash,
      });
      const next = await payments.commit(
        (await payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price: 400n })).id,
        inference(400n),
      );
      expect(next.settlementSeq).toBeGreaterThan(committed.settlementSeq);
      expect(await codeOf(payments.commit(hold.id, inference(400n)))).toBe("HOLD_CLOSED");
      const listed = (await payments.listPermits(devAccounts[2].address)).find((p) => p.id === permit.id)!;
      expect([listed.spent, listed.held, listed.remaining]).toEqual([800n, 0n, 200n]);
      expect(await codeOf(payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price: 201n }))).toBe(
        "PERMIT_EXHAUSTED",
      );
    });

    it("refuses payouts that do not add up to the price, keeping the hold open", async () => {
      const permit = await payments.registerPermit(await sign(2, { cap: 1_000n }));
      const hold = await payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price: 400n });
      const bad = { ...inference(400n), payouts: [{ payee: owner, amount: 400n }] };
      expect(await codeOf(payments.commit(hold.id, bad))).toBe("SPLIT_MISMATCH");
      // A batch crediting the zero address would revert whole at the market: refused at the door.
      const zero = { ...inference(400n), payouts: evenPayouts(400n, FEE_BPS, ["0x0000000000000000000000000000000000000000"]) };
      expect(await codeOf(payments.commit(hold.id, zero))).toBe("INVALID_REQUEST");
      await payments.commit(hold.id, inference(400n));
    });

    it("commits concurrent inferences together: a bad split or a second commit fails alone, the rest are stored once", async () => {
      const permit = await payments.registerPermit(await sign(2, { cap: 10_000n }));
      const held = await Promise.all(
        Array.from({ length: 6 }, () => payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price: 400n })),
      );
      const bad = { ...inference(400n), payouts: [{ payee: owner, amount: 1n }] };
      const results = await Promise.allSettled([
        ...held.map((hold, i) => payments.commit(hold.id, i === 2 ? bad : inference(400n))),
        payments.commit(held[0].id, inference(400n)),
      ]);
      const codes = results.map((r) => (r.status === "fulfilled" ? "OK" : errorBody(r.reason).error.code));
      expect(codes).toEqual(["OK", "OK", "SPLIT_MISMATCH", "OK", "OK", "OK", "HOLD_CLOSED"]);
      const seqs = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.settlementSeq] : []));
      expect(new Set(seqs).size).toBe(5);
      const rows = await handle.db.select().from(inferences).where(eq(inferences.permitId, permit.id));
      expect(rows.map((r) => r.holdId).sort()).toEqual(
        held
          .filter((_, i) => i !== 2)
          .map((h) => h.id)
          .sort(),
      );
      const listed = (await payments.listPermits(devAccounts[2].address)).find((p) => p.id === permit.id)!;
      expect([listed.spent, listed.held]).toEqual([2_000n, 400n]);
      await payments.release(held[2].id);
    });

    it("refuses a permit once it has expired", async () => {
      const permit = await payments.registerPermit(await sign(2, { ttl: 200n }));
      await fixture.increaseTime(150n);
      expect(await codeOf(payments.authorize({ payer: devAccounts[2].address, permitId: permit.id, price: 1n }))).toBe("PERMIT_EXPIRED");
    });
  });

  describe("API keys", () => {
    const create = async (index: number, permitId: string, spendCap: bigint, label = "agent") => {
      const payer = devAccounts[index].address;
      const message = apiKeyCreationMessage({ payer, permitId, spendCap, label, issuedAt: new Date().toISOString() });
      const signature = await fixture.wallet(index).signMessage({ message });
      return { payer, message, signature, permitId, spendCap: spendCap.toString(), label };
    };

    it("creates a key shown once, spends through it up to its cap, and refuses it once revoked", async () => {
      const permit = await payments.registerPermit(await sign(2, { cap: 10_000n }));
      const request = await create(2, permit.id, 300n);
      const { key, apiKey } = await payments.createApiKey(request);
      expect(key.startsWith(`${apiKey.prefix}_`)).toBe(true);
      const listed = await payments.listApiKeys(devAccounts[2].address);
      expect(listed.map((k) => k.id)).toContain(apiKey.id);
      expect(JSON.stringify(listed, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(key);
      // The same signature cannot make a second key.
      expect(await codeOf(payments.createApiKey(request))).toBe("API_KEY_INVALID");

      const hold = await payments.authorize({ apiKey: key, price: 200n });
      expect(hold.apiKeyId).toBe(apiKey.id);
      await payments.commit(hold.id, inference(200n));
      expect(await codeOf(payments.authorize({ apiKey: key, price: 101n }))).toBe("SPEND_CAP_EXCEEDED");
      const small = await payments.authorize({ apiKey: key, price: 100n });
      await payments.release(small.id);

      const revokeMessage = apiKeyRevocationMessage({ payer: devAccounts[2].address, keyId: apiKey.id });
      const wrong = await fixture.wallet(3).signMessage({ message: revokeMessage });
      expect(await codeOf(payments.revokeApiKey(devAccounts[2].address, apiKey.id, wrong))).toBe("API_KEY_INVALID");
      const signature = await fixture.wallet(2).signMessage({ message: revokeMessage });
      const revoked = await payments.revokeApiKey(devAccounts[2].address, apiKey.id, signature);
      expect(revoked.revokedAt).toBeInstanceOf(Date);
      const error = await payments.authorize({ apiKey: key, price: 1n }).catch((e) => e);
      expect([error.code, error.status]).toEqual(["API_KEY_REVOKED", 401]);
    });

    it("never lets concurrent requests through one key spend past its cap, and sees a revocation made elsewhere", async () => {
      const permit = await payments.registerPermit(await sign(2, { cap: 100_000n }));
      const { key, apiKey } = await payments.createApiKey(await create(2, permit.id, 1_000n));
      const results = await Promise.allSettled(Array.from({ length: 30 }, () => payments.authorize({ apiKey: key, price: 100n })));
      const held = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      expect(held).toHaveLength(10);
      const refused = results.flatMap((r) => (r.status === "rejected" ? [errorBody(r.reason).error.code] : []));
      expect(new Set(refused)).toEqual(new Set(["SPEND_CAP_EXCEEDED"]));
      await Promise.all(held.map((hold) => payments.commit(hold.id, inference(100n))));
      const listed = (await payments.listApiKeys(devAccounts[2].address)).find((k) => k.id === apiKey.id)!;
      expect(listed.spent).toBe(1_000n);
      expect(listed.lastUsedAt).toBeInstanceOf(Date);

      // Another server process revokes a key this one has cached: the next authorization refuses it.
      const { key: second, apiKey: secondKey } = await payments.createApiKey(await create(2, permit.id, 1_000n, "second"));
      await payments.release((await payments.authorize({ apiKey: second, price: 1n })).id);
      const elsewhere = paymentsFor(handle.db, fixture, { balanceCacheMs: 0 });
      const message = apiKeyRevocationMessage({ payer: devAccounts[2].address, keyId: secondKey.id });
      await elsewhere.revokeApiKey(devAccounts[2].address, secondKey.id, await fixture.wallet(2).signMessage({ message }));
      expect(await codeOf(payments.authorize({ apiKey: second, price: 1n }))).toBe("API_KEY_REVOKED");
    });

    it("refuses a message that does not name the key requested, a foreign signature and unknown keys", async () => {
      const permit = await payments.registerPermit(await sign(2, { cap: 10_000n }));
      const request = await create(2, permit.id, 300n);
      expect(await codeOf(payments.createApiKey({ ...request, spendCap: "3000" }))).toBe("API_KEY_INVALID");
      const foreign = await fixture.wallet(3).signMessage({ message: request.message });
      expect(await codeOf(payments.createApiKey({ ...request, signature: foreign }))).toBe("API_KEY_INVALID");
      const stale = await create(2, permit.id, 300n);
      const old = apiKeyCreationMessage({ ...stale, spendCap: 300n, issuedAt: new Date(Date.now() - 3_600_000).toISOString() });
      const oldSig = await fixture.wallet(2).signMessage({ message: old });
      expect(await codeOf(payments.createApiKey({ ...stale, message: old, signature: oldSig }))).toBe("API_KEY_INVALID");
      expect(await codeOf(payments.authorize({ apiKey: "upk_00000000_" + "a".repeat(32), price: 1n }))).toBe("API_KEY_INVALID");
      expect(await codeOf(payments.authorize({ apiKey: "sk-nonsense", price: 1n }))).toBe("API_KEY_INVALID");
    });
  });

  function inference(price: bigint) {
    return {
      modelId: 1n,
      prompt: "What did the whale do?",
      output: "It swam.",
      retrievedRecordIds: ["1:0"],
      attribution: { hash: keccak256(toHex(`proof ${price}`)), proof: { engine: "test", price } },
      payouts: evenPayouts(price, FEE_BPS, [owner, contributor, devAccounts[9].address]),
    };
  }
});
