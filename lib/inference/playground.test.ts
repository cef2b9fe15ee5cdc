import { count, eq } from "drizzle-orm";
import { bytesToHex, keccak256 } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { updateModelTerms } from "@/db/marketplace";
import { holds, inferences } from "@/db/schema";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { readSseData } from "@/lib/inference/sse";
import { type RouteServer, serveRoutes } from "@/lib/inference/testing/http-adapter";
import { mobyDickTexts, seedModel } from "@/lib/inference/testing/seed";
import { processServer } from "@/lib/server/root";
import { configureProcessFor } from "@/lib/server/testing";
import { playgroundStreamEventSchema } from "@/lib/wire/playground";

const PRICE = 2_000n;
const PAYER = 2;

let fixture: MarketFixture;
let server: RouteServer;
let db: Db;
let permitId: string;
const sessionKey = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));

const chat = (body: unknown) =>
  fetch(`${server.origin}/api/playground/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function pendingHolds(): Promise<number> {
  const [row] = await db.select({ n: count() }).from(holds).where(eq(holds.status, "pending"));
  return row.n;
}

beforeAll(async () => {
  fixture = await startMarketFixture({ feeBps: 100 });
  configureProcessFor(fixture);
  db = (await processServer().db()).db;
  await seedModel(db, {
    modelId: 1n,
    datanetId: 1n,
    owner: devAccounts[7].address,
    price: PRICE,
    ownerShareBps: 2000,
    firstContributionId: 1n,
    contributions: [{ contributor: devAccounts[8].address, texts: mobyDickTexts(0, 2) }],
  });
  const playground = await import("@/app/api/playground/chat/route");
  const terms = await import("@/app/api/playground/permit-terms/route");
  const permits = await import("@/app/api/permits/route");
  server = await serveRoutes({
    "/api/playground/chat": { POST: playground.POST },
    "/api/playground/permit-terms": { GET: terms.GET },
    "/api/permits": { POST: permits.POST },
  });
  await fixture.fund(PAYER, 1_000_000n);

  // What the browser does: sign a permit for the spender the terms name, the nonce binding the session key.
  const answer = (await (await fetch(`${server.origin}/api/playground/permit-terms`)).json()) as {
    chainId: number;
    market: string;
    spender: string;
  };
  expect(answer).toEqual({ chainId: fixture.anvil.chainId, market: fixture.deployment.market, spender: fixture.deployment.settler });
  const signed = await fixture.signPermit(PAYER, {
    cap: 100_000n,
    expiry: (await fixture.now()) + 86_400n,
    nonce: BigInt(keccak256(sessionKey)),
  });
  const registered = await fetch(`${server.origin}/api/permits`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...signed, cap: signed.cap.toString(), expiry: signed.expiry.toString(), nonce: signed.nonce.toString() }),
  });
  expect(registered.status).toBe(201);
  permitId = ((await registered.json()) as { permit: { id: string } }).permit.id;
});

afterAll(async () => {
  await server?.close();
  await fixture?.stop();
});

describe("POST /api/playground/chat", () => {
  it("streams the answer, then the price, inference id and attribution link, and stores the inference", async () => {
    const response = await chat({ modelId: "1", question: "Why does Ishmael go to sea?", permitId, sessionKey });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = [];
    for await (const data of readSseData(response.body!)) events.push(JSON.parse(data));
    const deltas = events.filter((e) => e.type === "delta");
    const done = events.at(-1);
    expect(deltas.length).toBeGreaterThan(0);
    expect(done).toMatchObject({ type: "done", price: PRICE.toString(), payer: devAccounts[PAYER].address });
    expect(done.attributionUrl).toBe(`/explorer/inferences/${done.inferenceId}`);
    const [stored] = await db.select().from(inferences).where(eq(inferences.id, done.inferenceId));
    expect(stored.output).toBe(deltas.map((e) => e.text).join(""));
    expect(stored.price).toBe(PRICE);
  });

  it("answers a question nothing in the datanets matches with an uncharged event, and stores nothing", async () => {
    const [{ n: before }] = await db.select({ n: count() }).from(inferences);
    const response = await chat({ modelId: "1", question: "What is the best pizza in Naples?", permitId, sessionKey });
    expect(response.status).toBe(200);
    const events = [];
    for await (const data of readSseData(response.body!)) events.push(playgroundStreamEventSchema.parse(JSON.parse(data)));
    expect(events[0]).toMatchObject({ type: "delta", text: expect.stringMatching(/^Nothing in this model's datanets matches/) });
    expect(events.at(-1)).toMatchObject({ type: "uncharged", reason: "NO_RELEVANT_RECORDS" });
    const [{ n: after }] = await db.select({ n: count() }).from(inferences);
    expect(after).toBe(before);
  });

  it("refuses a key that is not the permit's, before anything is held", async () => {
    const other = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
    const response = await chat({ modelId: "1", question: "Why does Ishmael go to sea?", permitId, sessionKey: other });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("SESSION_INVALID");
    expect(await pendingHolds()).toBe(0);
  });

  it("answers malformed requests and unknown models with stable codes", async () => {
    const malformed = await chat({ modelId: "one", question: "", permitId: "x", sessionKey });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("INVALID_REQUEST");
    const unknown = await chat({ modelId: "99", question: "Why?", permitId, sessionKey });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("MODEL_NOT_FOUND");
    expect(await pendingHolds()).toBe(0);
  });

  it("refuses a paused model with MODEL_INACTIVE before anything is held", async () => {
    const gateway = await processServer().gateway();
    // What the model sync writes when the owner pauses the model on chain; the gateway re-reads at once when told.
    await updateModelTerms(db, 1n, { price: PRICE, ownerShareBps: 2000, status: "paused", version: 2 });
    gateway.models.invalidate(1n);
    const [{ n: before }] = await db.select({ n: count() }).from(inferences);
    const response = await chat({ modelId: "1", question: "Why does Ishmael go to sea?", permitId, sessionKey });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "MODEL_INACTIVE",
      message: expect.stringContaining("paused"),
    });
    expect(await pendingHolds()).toBe(0);
    expect((await db.select({ n: count() }).from(inferences))[0].n).toBe(before);

    await updateModelTerms(db, 1n, { price: PRICE, ownerShareBps: 2000, status: "active", version: 3 });
    gateway.models.invalidate(1n);
    const resumed = await chat({ modelId: "1", question: "Why does Ishmael go to sea?", permitId, sessionKey });
    expect(resumed.status).toBe(200);
    expect(await resumed.text()).toContain('"type":"done"');
  });
});
