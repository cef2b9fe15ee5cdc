import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { testDatabases } from "@/db/testing";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { deleteApiKey, getApiKeys, getPermits, postApiKey, postPermit } from "./api";
import { apiKeyCreationMessage, apiKeyRevocationMessage, type Payments } from "./index";
import { openTestDb, paymentsFor } from "./testing";

// The routes' HTTP mapping; the service behind them is tested on every database in payments.test.ts.
describe("payment routes", () => {
  let fixture: MarketFixture;
  let handle: DbHandle;
  let payments: Payments;
  const payer = devAccounts[2].address;

  beforeAll(async () => {
    fixture = await startMarketFixture();
    handle = await openTestDb(testDatabases()[0]);
    payments = paymentsFor(handle.db, fixture);
  });
  afterAll(async () => {
    await handle?.close();
    await fixture?.stop();
  });

  const post = (path: string, body: unknown) =>
    new Request(`http://localhost${path}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });

  async function signedPermitBody(nonce: bigint, spender?: `0x${string}`) {
    const p = await fixture.signPermit(2, { cap: 1_000_000n, expiry: (await fixture.now()) + 3_600n, nonce, spender });
    return { ...p, cap: p.cap.toString(), expiry: p.expiry.toString(), nonce: p.nonce.toString() };
  }

  it("registers a permit (201), lists it with amounts as strings, and refuses bad ones with stable codes", async () => {
    const created = await postPermit(post("/api/permits", await signedPermitBody(1n)), payments);
    expect(created.status).toBe(201);
    const { permit } = await created.json();
    expect(permit).toMatchObject({ payer, cap: "1000000", nonce: "1" });
    expect(permit.signature).toBeUndefined();

    const listed = await getPermits(new Request(`http://localhost/api/permits?payer=${payer}`), payments);
    expect((await listed.json()).permits.map((p: { id: string; remaining: string }) => [p.id, p.remaining])).toEqual([
      [permit.id, "1000000"],
    ]);

    const replay = await postPermit(post("/api/permits", await signedPermitBody(1n)), payments);
    expect([replay.status, (await replay.json()).error]).toEqual([
      400,
      expect.objectContaining({ code: "PERMIT_INVALID", reason: "NONCE_REUSED" }),
    ]);
    const spender = await postPermit(post("/api/permits", await signedPermitBody(2n, devAccounts[6].address)), payments);
    expect((await spender.json()).error).toMatchObject({ code: "PERMIT_INVALID", reason: "WRONG_SPENDER" });
    const notJson = await postPermit(post("/api/permits", "{nope"), payments);
    expect([notJson.status, (await notJson.json()).error.code]).toEqual([400, "INVALID_REQUEST"]);
    const huge = await postPermit(post("/api/permits", { pad: "x".repeat(20_000) }), payments);
    expect([huge.status, (await huge.json()).error.code]).toEqual([413, "REQUEST_TOO_LARGE"]);
    const noPayer = await getPermits(new Request("http://localhost/api/permits"), payments);
    expect([noPayer.status, (await noPayer.json()).error.code]).toEqual([400, "INVALID_REQUEST"]);
  });

  it("creates, lists and revokes an API key", async () => {
    const { permits } = await (await getPermits(new Request(`http://localhost/api/permits?payer=${payer}`), payments)).json();
    const fields = { payer, permitId: permits[0].id, spendCap: 5_000n, label: "my agent", issuedAt: new Date().toISOString() };
    const message = apiKeyCreationMessage(fields);
    const signature = await fixture.wallet(2).signMessage({ message });
    const created = await postApiKey(post("/api/keys", { ...fields, spendCap: "5000", message, signature }), payments);
    expect(created.status).toBe(201);
    const { key, apiKey } = await created.json();
    expect(key).toMatch(/^upk_[0-9a-f]{8}_/);

    const listed = await (await getApiKeys(new Request(`http://localhost/api/keys?payer=${payer}`), payments)).json();
    expect(listed.keys).toEqual([expect.objectContaining({ id: apiKey.id, spendCap: "5000", spent: "0", revokedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(key);

    const del = (body: unknown) =>
      deleteApiKey(
        new Request(`http://localhost/api/keys/${apiKey.id}`, { method: "DELETE", body: JSON.stringify(body) }),
        apiKey.id,
        payments,
      );
    const unsigned = await del({ payer });
    expect([unsigned.status, (await unsigned.json()).error.code]).toEqual([400, "INVALID_REQUEST"]);
    const revokeSig = await fixture.wallet(2).signMessage({ message: apiKeyRevocationMessage({ payer, keyId: apiKey.id }) });
    const revoked = await del({ payer, signature: revokeSig });
    expect(revoked.status).toBe(200);
    expect((await revoked.json()).key.revokedAt).toEqual(expect.any(String));
    const refused = await payments.authorize({ apiKey: key, price: 1n }).catch((e) => e);
    expect(refused.code).toBe("API_KEY_REVOKED");
  });
});
