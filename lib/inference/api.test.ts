import { and, count, desc, eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { getModel, recordsOfDatanets, updateModelTerms } from "@/db/marketplace";
import { holds, inferences, models as modelRows } from "@/db/schema";
import { buildIndex, verifyAttribution } from "@/lib/attribution";
import { testUsdAbi, upstreamMarketAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { protocolFee } from "@/lib/chain/settlement";
import { registryStatusValue } from "@/lib/models/status";
import { apiKeyCreationMessage, apiKeyRevocationMessage } from "@/lib/payments";
import { createRateLimits } from "@/lib/rate-limits";
import { processServer } from "@/lib/server/root";
import { configureProcessFor } from "@/lib/server/testing";
import { createSettler } from "@/lib/settlement";
import { handleChatCompletions } from "./api";
import { recordId } from "./model-cache";
import { type RouteServer, type Routes, serveRoutes } from "./testing/http-adapter";
import { mobyDickTexts, seedModel, seedTwoContributorModel } from "./testing/seed";
import { type OpenAICompatibleTestServer, startOpenAICompatibleServer } from "./testing/server";

const FEE_BPS = 100;
const PRICE = 2_000n;
const PAYER = 2;
const OWNER_INDEX = 7;
const OWNER = devAccounts[OWNER_INDEX].address;
const CONTRIBUTORS = [devAccounts[8].address, devAccounts[9].address] as const;
const BACKEND_KEY = "sk-backend-secret-91c2";
const MAX_PROMPT_CHARS = 2_000;

let fixture: MarketFixture;
let backendServer: OpenAICompatibleTestServer;
/** A model owner's own endpoint, hoping to receive the operator's backend key. */
let attackerServer: OpenAICompatibleTestServer;
let api: RouteServer;
let db: Db;
let apiKey: string;
let nonce = 1n;

const url = (path: string) => `${api.origin}/api/v1${path}`;
/** The payment routes live beside the API, at /api/permits and /api/keys. */
const paymentsUrl = (path: string) => `${api.origin}/api${path}`;
const client = (key = apiKey) => new OpenAI({ apiKey: key, baseURL: url(""), maxRetries: 0 });
const ask = (question: string) => [{ role: "user" as const, content: question }];

async function pendingHolds(): Promise<number> {
  const [row] = await db.select({ n: count() }).from(holds).where(eq(holds.status, "pending"));
  return row.n;
}
async function storedInferences(): Promise<number> {
  const [row] = await db.select({ n: count() }).from(inferences);
  return row.n;
}
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
}
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(path.startsWith("/permits") || path.startsWith("/keys") ? paymentsUrl(path) : url(path), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** Registers a permit of dev account `index` over HTTP and creates a key bound to it. */
async function keyFor(index: number, permit: { cap: bigint; ttl: bigint }, spendCap = 1_000_000n): Promise<{ key: string; id: string }> {
  const signed = await fixture.signPermit(index, { cap: permit.cap, expiry: (await fixture.now()) + permit.ttl, nonce: nonce++ });
  const registered = await post("/permits", {
    ...signed,
    cap: signed.cap.toString(),
    expiry: signed.expiry.toString(),
    nonce: signed.nonce.toString(),
  });
  expect(registered.status).toBe(201);
  const { permit: stored } = (await registered.json()) as { permit: { id: string } };
  const payer = devAccounts[index].address;
  const message = apiKeyCreationMessage({ payer, permitId: stored.id, spendCap, label: "test agent", issuedAt: new Date().toISOString() });
  const signature = await fixture.wallet(index).signMessage({ message });
  const created = await post("/keys", {
    payer,
    permitId: stored.id,
    spendCap: spendCap.toString(),
    label: "test agent",
    message,
    signature,
  });
  expect(created.status).toBe(201);
  const body = (await created.json()) as { key: string; apiKey: { id: string } };
  return { key: body.key, id: body.apiKey.id };
}

beforeAll(async () => {
  fixture = await startMarketFixture({ feeBps: FEE_BPS });
  backendServer = await startOpenAICompatibleServer({ apiKey: BACKEND_KEY, models: ["extractive-1"] });
  attackerServer = await startOpenAICompatibleServer({ models: ["extractive-1"] });
  // The app reads its configuration from the environment, once, on first use.
  configureProcessFor(fixture, {
    MAX_PROMPT_CHARS: String(MAX_PROMPT_CHARS),
    BACKEND_KEY_TESTSERVER: BACKEND_KEY,
    BACKEND_URL_TESTSERVER: backendServer.baseUrl,
  });
  db = (await processServer().db()).db;
  await seedTwoContributorModel(db, { owner: OWNER, price: PRICE, contributors: CONTRIBUTORS, texts: mobyDickTexts(0, 6), split: 120 });
  await seedModel(db, {
    modelId: 2n,
    datanetId: 2n,
    owner: OWNER,
    price: PRICE,
    ownerShareBps: 2000,
    firstContributionId: 3n,
    contributions: [{ contributor: CONTRIBUTORS[0], texts: mobyDickTexts(6, 8) }],
    openai: { baseUrl: backendServer.baseUrl, model: "extractive-1", keyName: "TESTSERVER" },
  });

  const chat = await import("@/app/api/v1/chat/completions/route");
  const models = await import("@/app/api/v1/models/route");
  const model = await import("@/app/api/v1/models/[model]/route");
  const permits = await import("@/app/api/permits/route");
  const keys = await import("@/app/api/keys/route");
  const key = await import("@/app/api/keys/[id]/route");
  const routes: Routes = {
    "/api/v1/chat/completions": { POST: chat.POST },
    "/api/v1/models": { GET: models.GET },
    "/api/v1/models/[model]": { GET: model.GET as never },
    "/api/permits": { POST: permits.POST, GET: permits.GET },
    "/api/keys": { POST: keys.POST, GET: keys.GET },
    "/api/keys/[id]": { DELETE: key.DELETE as never },
  };
  api = await serveRoutes(routes);
  await fixture.fund(PAYER, 1_000_000n);
  apiKey = (await keyFor(PAYER, { cap: 500_000n, ttl: 86_400n })).key;
});

afterAll(async () => {
  await api?.close();
  await backendServer?.close();
  await attackerServer?.close();
  await fixture?.stop();
});

describe("GET /api/v1/models", () => {
  it("lists the marketplace's models under their API names", async () => {
    const { data } = await client().models.list();
    expect(data.map((m) => m.id)).toEqual(["upstream-1", "upstream-2"]);
  });

  it("retrieves one model by its API name (or bare id) with its terms, and says 404 MODEL_NOT_FOUND otherwise", async () => {
    const model = (await client().models.retrieve("upstream-1")) as unknown as {
      id: string;
      object: string;
      upstream: Record<string, unknown>;
    };
    expect(model).toMatchObject({
      id: "upstream-1",
      object: "model",
      upstream: { modelId: "1", status: "active", price: PRICE.toString() },
    });
    expect((await client().models.retrieve("2")).id).toBe("upstream-2");
    for (const name of ["upstream-99", "gpt-4o", "upstream-1x"]) {
      const error = await client()
        .models.retrieve(name)
        .catch((e) => e);
      expect(error).toMatchObject({ status: 404, code: "MODEL_NOT_FOUND" });
    }
  });
});

describe("POST /api/v1/chat/completions", () => {
  it("answers, charges the model's price, stores the inference with a proof anyone can re-check", async () => {
    const question = "Why does Ishmael go to sea?";
    const raw = await client()
      .chat.completions.create({ model: "upstream-1", messages: ask(question) })
      .withResponse();
    const completion = raw.data as typeof raw.data & { upstream: { inferenceId: string; attributionUrl: string; price: string } };
    const text = completion.choices[0].message.content!;
    expect(text).toMatch(/sea/i);
    expect(completion.id).toBe(`chatcmpl-${completion.upstream.inferenceId}`);
    expect(raw.response.headers.get("x-upstream-inference-id")).toBe(completion.upstream.inferenceId);
    expect(completion.upstream.attributionUrl).toBe(`${api.origin}/explorer/inferences/${completion.upstream.inferenceId}`);
    expect(completion.upstream.price).toBe(PRICE.toString());

    const [row] = await db.select().from(inferences).where(eq(inferences.id, completion.upstream.inferenceId));
    expect(row).toMatchObject({ output: text, price: PRICE, payer: devAccounts[PAYER].address.toLowerCase(), status: "pending" });
    expect(row.amounts.reduce((s, a) => s + a, 0n) + protocolFee(PRICE, FEE_BPS)).toBe(PRICE);
    // Contributors whose sentences were quoted are paid; the owner gets its share.
    expect(row.payees).toContain(OWNER.toLowerCase());
    expect(row.payees.some((p) => CONTRIBUTORS.map((c) => c.toLowerCase()).includes(p as never))).toBe(true);

    // Re-run the attribution from the database alone: same hash.
    const records = await recordsOfDatanets(db, [1n]);
    const index = buildIndex(
      records.map((r) => ({ id: recordId(r.contributionId, r.position), contributor: r.contributor, text: r.text })),
    );
    const proof = row.attribution as { input: { contextInfluence: { id: string; influence: number }[] | null } };
    const verdict = verifyAttribution(
      {
        index,
        prompt: row.prompt,
        context: row.retrievedRecordIds,
        output: row.output,
        payer: row.payer,
        price: row.price,
        ownerShareBps: 2000,
        protocolFeeBps: FEE_BPS,
        owner: OWNER,
        contextInfluence: proof.input.contextInfluence ?? undefined,
      },
      row.attributionHash,
    );
    expect(verdict.valid).toBe(true);
    expect(await pendingHolds()).toBe(0);
  });

  it("streams the same answer, ending with the inference id and usage", async () => {
    const question = "What did Queequeg do with his harpoon?";
    const plain = await client().chat.completions.create({ model: "upstream-1", messages: ask(question) });
    const before = await storedInferences();
    const stream = await client().chat.completions.create({
      model: "1",
      messages: ask(question),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let upstream: { inferenceId: string } | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      upstream ??= (chunk as { upstream?: { inferenceId: string } }).upstream;
      usage ??= chunk.usage;
    }
    expect(text).toBe(plain.choices[0].message.content);
    expect(usage).toEqual(plain.usage);
    expect(await storedInferences()).toBe(before + 1);
    const [row] = await db.select().from(inferences).where(eq(inferences.id, upstream!.inferenceId));
    expect(row.output).toBe(text);
    expect(await pendingHolds()).toBe(0);
  });

  it("serves a model behind an OpenAI-compatible endpoint with its configured key", async () => {
    const completion = await client().chat.completions.create({
      model: "upstream-2",
      messages: ask("Tell me about the whale and the sea"),
    });
    expect(completion.choices[0].message.content!.length).toBeGreaterThan(0);
    expect(backendServer.requests.at(-1)!.authorization).toBe(`Bearer ${BACKEND_KEY}`);
    expect(JSON.stringify(completion)).not.toContain(BACKEND_KEY);
  });

  it("never sends a backend key to an endpoint outside the key's configured URL: refused before any hold", async () => {
    // Published by a model owner: the operator's key name, the owner's own endpoint.
    await seedModel(db, {
      modelId: 3n,
      datanetId: 3n,
      owner: OWNER,
      price: PRICE,
      ownerShareBps: 2000,
      firstContributionId: 4n,
      contributions: [{ contributor: CONTRIBUTORS[0], texts: mobyDickTexts(8, 10) }],
      openai: { baseUrl: attackerServer.baseUrl, model: "extractive-1", keyName: "TESTSERVER" },
    });
    try {
      const [heldBefore] = await db.select({ n: count() }).from(holds);
      const before = await storedInferences();
      const refused = await post(
        "/chat/completions",
        { model: "upstream-3", messages: ask("whale") },
        { authorization: `Bearer ${apiKey}` },
      );
      // The owner's endpoint hears nothing: not the key, not the prompt.
      expect(attackerServer.requests.map((r) => r.authorization)).toEqual([]);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect([refused.status, body.error.code]).toEqual([409, "BACKEND_KEY_NOT_ALLOWED"]);
      expect(JSON.stringify(body)).not.toContain(BACKEND_KEY);
      const [heldAfter] = await db.select({ n: count() }).from(holds);
      expect(heldAfter.n).toBe(heldBefore.n);
      expect(await storedInferences()).toBe(before);
    } finally {
      // Out of the way of the listings below.
      await db.update(modelRows).set({ status: "retired" }).where(eq(modelRows.id, 3n));
    }
  });

  it("answers a question nothing in the datanets matches with 200 and charged: false: no hold left, nothing stored or settled", async () => {
    const before = await storedInferences();
    const question = "How do I configure a Kubernetes ingress controller with TLS certificates?";
    const completion = (await client().chat.completions.create({
      model: "upstream-1",
      messages: ask(question),
    })) as OpenAI.ChatCompletion & {
      upstream: { charged: boolean; reason: string; price: string; relevance: number };
    };
    expect(completion.choices[0].message.content).toMatch(/^Nothing in this model's datanets matches your question/);
    expect(completion.upstream).toMatchObject({ charged: false, reason: "NO_RELEVANT_RECORDS", price: "0" });
    expect(completion.upstream.relevance).toBeLessThan(0.5);

    // Streamed, through the SDK: the same answer, the same verdict in the last chunk.
    const stream = await client().chat.completions.create({ model: "upstream-1", messages: ask(question), stream: true });
    let text = "";
    let last: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      last = chunk;
    }
    expect(text).toBe(completion.choices[0].message.content);
    expect(last).toMatchObject({ upstream: { charged: false, reason: "NO_RELEVANT_RECORDS" } });

    expect(await pendingHolds()).toBe(0);
    expect(await storedInferences()).toBe(before);
    // A question the data does speak to is still answered and charged.
    const paid = (await client().chat.completions.create({
      model: "upstream-1",
      messages: ask("What does Ishmael say of the sea?"),
    })) as OpenAI.ChatCompletion & {
      upstream: { charged: boolean; price: string };
    };
    expect(paid.upstream).toMatchObject({ charged: true, price: PRICE.toString() });
    expect(await storedInferences()).toBe(before + 1);
  });

  it("asks an external backend about a question nothing matches only when the model's terms say it answers without records", async () => {
    const question = "Which Kubernetes ingress controller handles TLS certificates best?";
    const asked = () => backendServer.requests.length;
    const before = asked();
    const free = (await client().chat.completions.create({ model: "upstream-2", messages: ask(question) })) as OpenAI.ChatCompletion & {
      upstream: { charged: boolean };
    };
    expect(free.upstream.charged).toBe(false);
    expect(asked()).toBe(before); // the backend was not asked
    expect((await client().models.retrieve("upstream-2")) as unknown).toMatchObject({ upstream: { answersWithoutRecords: false } });

    await db.update(modelRows).set({ answersWithoutRecords: true }).where(eq(modelRows.id, 2n));
    try {
      await until(
        async () =>
          ((await client().models.retrieve("upstream-2")) as unknown as { upstream: { answersWithoutRecords: boolean } }).upstream
            .answersWithoutRecords,
      );
      await new Promise((r) => setTimeout(r, 1_100)); // the gateway's model cache (1 s)
      const paid = (await client().chat.completions.create({ model: "upstream-2", messages: ask(question) })) as OpenAI.ChatCompletion & {
        upstream: { charged: boolean; price: string };
      };
      expect(paid.upstream).toMatchObject({ charged: true, price: PRICE.toString() });
      expect(asked()).toBe(before + 1);
    } finally {
      await db.update(modelRows).set({ answersWithoutRecords: false }).where(eq(modelRows.id, 2n));
    }
  });

  it("measures an external backend's context influence by ablation when its terms ask for it: one more call per retrieved record", async () => {
    await db.update(modelRows).set({ contextAblation: true }).where(eq(modelRows.id, 2n));
    try {
      await new Promise((r) => setTimeout(r, 1_100)); // the gateway's model cache (1 s)
      const before = backendServer.requests.length;
      const completion = (await client().chat.completions.create({
        model: "upstream-2",
        messages: ask("Why does Ishmael go to sea, and what of Cato and his sword?"),
      })) as OpenAI.ChatCompletion & { upstream: { inferenceId: string; charged: boolean } };
      expect(completion.upstream.charged).toBe(true);
      const [row] = await db.select().from(inferences).where(eq(inferences.id, completion.upstream.inferenceId));
      const proof = row.attribution as { input: { context: string[]; contextInfluence: { id: string; influence: number }[] | null } };
      // The answer, then one answer per retrieved record with that record left out.
      expect(backendServer.requests.length - before).toBe(1 + proof.input.context.length);
      expect(proof.input.contextInfluence?.map((c) => c.id)).toEqual(proof.input.context);
      for (const { influence } of proof.input.contextInfluence!) expect(influence >= 0 && influence <= 1).toBe(true);
      // The records the answer quoted moved it when left out; the proof re-verifies with that influence.
      expect(proof.input.contextInfluence!.some((c) => c.influence > 0)).toBe(true);
      const records = await recordsOfDatanets(db, [2n]);
      const index = buildIndex(
        records.map((r) => ({ id: recordId(r.contributionId, r.position), contributor: r.contributor, text: r.text })),
      );
      const verdict = verifyAttribution(
        {
          index,
          prompt: row.prompt,
          context: row.retrievedRecordIds,
          output: row.output,
          payer: row.payer,
          price: row.price,
          ownerShareBps: 2000,
          protocolFeeBps: FEE_BPS,
          owner: OWNER,
          contextInfluence: proof.input.contextInfluence!,
        },
        row.attribution as never,
      );
      expect(verdict.differences).toEqual([]);
    } finally {
      await db.update(modelRows).set({ contextAblation: false }).where(eq(modelRows.id, 2n));
    }
  });

  it("refuses an API key over its rate limit with 429 RATE_LIMITED and Retry-After, before anything is held", async () => {
    const limits = createRateLimits({ apiKey: 2, payer: 100, ip: 100 });
    const gateway = processServer().gateway();
    const request = () =>
      new Request(url("/chat/completions"), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ model: "upstream-1", messages: ask("Why does Ishmael go to sea?") }),
      });
    const before = await storedInferences();
    for (let i = 0; i < 2; i++) expect((await handleChatCompletions(request(), gateway, limits)).status).toBe(200);
    const refused = await handleChatCompletions(request(), gateway, limits);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    expect(await storedInferences()).toBe(before + 2);
    expect(await pendingHolds()).toBe(0);
  });

  it("refuses bad requests with a 4xx and a stable code, holding nothing", async () => {
    const before = await storedInferences();
    const auth = { authorization: `Bearer ${apiKey}` };
    const cases: [Promise<Response>, number, string][] = [
      [post("/chat/completions", "{not json", auth), 400, "INVALID_JSON"],
      [post("/chat/completions", { model: "upstream-1", messages: "hi" }, auth), 400, "INVALID_REQUEST"],
      [post("/chat/completions", { model: "upstream-1", messages: [{ role: "user", content: 42 }] }, auth), 400, "INVALID_REQUEST"],
      [post("/chat/completions", { model: "upstream-1", messages: ask("x".repeat(MAX_PROMPT_CHARS + 1)) }, auth), 400, "PROMPT_TOO_LONG"],
      // Text the database cannot store would fail the commit after the answer was served (free).
      [post("/chat/completions", { model: "upstream-1", messages: ask("whale\u0000"), stream: true }, auth), 400, "INVALID_REQUEST"],
      [post("/chat/completions", { model: "upstream-1", messages: ask("whale \uD800") }, auth), 400, "INVALID_REQUEST"],
      [post("/chat/completions", { model: "upstream-999", messages: ask("hi") }, auth), 404, "MODEL_NOT_FOUND"],
      [post("/chat/completions", { model: "gpt-4o", messages: ask("hi") }, auth), 404, "MODEL_NOT_FOUND"],
      [post("/chat/completions", { model: "upstream-1", messages: ask("hi") }), 401, "API_KEY_MISSING"],
      [
        post("/chat/completions", { model: "upstream-1", messages: ask("hi") }, { authorization: "Bearer upk_00000000_" + "a".repeat(32) }),
        401,
        "API_KEY_INVALID",
      ],
    ];
    for (const [response, status, code] of cases) {
      const res = await response;
      const body = (await res.json()) as { error: { code: string; message: string; type: string } };
      expect([res.status, body.error.code]).toEqual([status, code]);
      expect(body.error.message.length).toBeGreaterThan(0);
    }
    // The SDK surfaces the same codes.
    await expect(client().chat.completions.create({ model: "upstream-999", messages: ask("hi") })).rejects.toMatchObject({
      status: 404,
      code: "MODEL_NOT_FOUND",
    });
    expect(await pendingHolds()).toBe(0);
    expect(await storedInferences()).toBe(before);
  });

  it("refuses replayed and foreign permits, exhausted and expired permits, and revoked keys", async () => {
    const signed = await fixture.signPermit(PAYER, { cap: 10_000n, expiry: (await fixture.now()) + 3_600n, nonce: 1n });
    const wire = { ...signed, cap: "10000", expiry: signed.expiry.toString(), nonce: "1" };
    const replay = await post("/permits", wire);
    expect([replay.status, ((await replay.json()) as { error: { code: string } }).error.code]).toEqual([400, "PERMIT_INVALID"]);
    const forged = await post("/permits", { ...wire, nonce: "77" });
    expect([forged.status, ((await forged.json()) as { error: { code: string } }).error.code]).toEqual([400, "PERMIT_INVALID"]);

    const before = await storedInferences();
    const tiny = await keyFor(PAYER, { cap: PRICE - 1n, ttl: 86_400n });
    await expect(client(tiny.key).chat.completions.create({ model: "upstream-1", messages: ask("whale") })).rejects.toMatchObject({
      status: 402,
      code: "PERMIT_EXHAUSTED",
    });

    const revoked = await keyFor(PAYER, { cap: 100_000n, ttl: 86_400n });
    const payer = devAccounts[PAYER].address;
    const signature = await fixture.wallet(PAYER).signMessage({ message: apiKeyRevocationMessage({ payer, keyId: revoked.id }) });
    const revoke = await fetch(paymentsUrl(`/keys/${revoked.id}`), {
      method: "DELETE",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ payer, signature }),
    });
    expect(revoke.status).toBe(200);
    await expect(client(revoked.key).chat.completions.create({ model: "upstream-1", messages: ask("whale") })).rejects.toMatchObject({
      status: 401,
      code: "API_KEY_REVOKED",
    });

    const unfunded = await keyFor(5, { cap: 100_000n, ttl: 86_400n });
    await expect(client(unfunded.key).chat.completions.create({ model: "upstream-1", messages: ask("whale") })).rejects.toMatchObject({
      status: 402,
      code: "INSUFFICIENT_BALANCE",
    });

    const expiring = await keyFor(PAYER, { cap: 100_000n, ttl: 90n });
    await fixture.increaseTime(60n);
    // The payments service reuses its read of the latest block for a second; let it see the new time.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await expect(client(expiring.key).chat.completions.create({ model: "upstream-1", messages: ask("whale") })).rejects.toMatchObject({
      status: 402,
      code: "PERMIT_EXPIRED",
    });

    expect(await pendingHolds()).toBe(0);
    expect(await storedInferences()).toBe(before);
  });

  it("charges nothing when the backend fails before any output, holding nothing", async () => {
    const before = await storedInferences();
    backendServer.failNext({ status: 500 });
    await expect(client().chat.completions.create({ model: "upstream-2", messages: ask("whale") })).rejects.toMatchObject({
      status: 502,
      code: "BACKEND_FAILED",
    });
    backendServer.failNext({ status: 500 });
    const stream = await client().chat.completions.create({ model: "upstream-2", messages: ask("whale"), stream: true });
    await expect(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
    ).rejects.toMatchObject({ code: "BACKEND_FAILED" });
    await until(async () => (await pendingHolds()) === 0);
    expect(await pendingHolds()).toBe(0);
    expect(await storedInferences()).toBe(before);
  });

  // The price is per call: once output has started reaching the client, the call is charged.
  it("charges the call when the backend breaks off after the first delta, with the output produced so far", async () => {
    const before = await storedInferences();
    backendServer.failNext({ breakAfterDeltas: 1 });
    const stream = await client().chat.completions.create({
      model: "upstream-2",
      messages: ask("Tell me about the whale and the sea"),
      stream: true,
    });
    let text = "";
    const failure = (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().then(
      () => undefined,
      (error: unknown) => error as { code: string; error: { upstream?: { inferenceId: string; price: string } } },
    );
    // The error event says the call was charged, and for which inference.
    expect(await failure).toMatchObject({ code: "BACKEND_FAILED", error: { upstream: { price: PRICE.toString(), charged: true } } });
    expect(text).not.toBe("");
    expect(await storedInferences()).toBe(before + 1);
    expect(await pendingHolds()).toBe(0);
    const [row] = await db.select().from(inferences).orderBy(desc(inferences.createdAt)).limit(1);
    expect(row).toMatchObject({ id: (await failure)!.error.upstream!.inferenceId, output: text, price: PRICE });
    expect(row.amounts.reduce((s, a) => s + a, 0n) + protocolFee(PRICE, FEE_BPS)).toBe(PRICE);
  });

  it("charges the call when the client disconnects after the first chunks, and settles it on chain", async () => {
    const before = await storedInferences();
    backendServer.setDeltaDelay(100);
    try {
      const controller = new AbortController();
      const res = await fetch(url("/chat/completions"), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ model: "upstream-2", messages: ask("Tell me about the whale and the sea"), stream: true }),
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      let received = "";
      // The role chunk first (no output), then the first piece of the answer.
      while (!/"content":"[^"]/.test(received)) received += new TextDecoder().decode((await reader.read()).value);
      expect(received).toMatch(/"content":"[^"]/);
      expect(await pendingHolds()).toBe(1);
      controller.abort();
      await until(async () => (await pendingHolds()) === 0);
    } finally {
      backendServer.setDeltaDelay(0);
    }
    expect(await pendingHolds()).toBe(0);
    expect(await storedInferences()).toBe(before + 1);
    const [row] = await db.select().from(inferences).orderBy(desc(inferences.createdAt)).limit(1);
    expect(row.price).toBe(PRICE);
    expect(row.output).not.toBe("");

    const deposit = () =>
      fixture.client.readContract({
        address: fixture.deployment.market,
        abi: upstreamMarketAbi,
        functionName: "depositOf",
        args: [devAccounts[PAYER].address],
      });
    const outstanding = await db
      .select({ price: inferences.price })
      .from(inferences)
      .where(and(eq(inferences.payer, devAccounts[PAYER].address.toLowerCase() as `0x${string}`), eq(inferences.status, "pending")));
    const depositBefore = await deposit();
    const settler = createSettler({
      db,
      walletClient: fixture.wallet(1),
      publicClient: fixture.client,
      deployment: fixture.deployment,
      batchSize: 100,
      maxWaitMs: 0,
    });
    try {
      await settler.drainOnce();
    } finally {
      await settler.stop();
    }
    const [settled] = await db.select().from(inferences).where(eq(inferences.id, row.id));
    expect(settled.status).toBe("settled");
    expect(depositBefore - (await deposit())).toBe(outstanding.reduce((s, r) => s + r.price, 0n));
  });

  it("settles an answer with nothing to attribute: the data pool goes to the model's owner, never free", async () => {
    const before = await storedInferences();
    backendServer.failNext({ answer: ["…", " ..."] });
    const completion = await client().chat.completions.create({ model: "upstream-2", messages: ask("whale") });
    expect(completion.choices[0].message.content).toBe("… ...");
    backendServer.failNext({ answer: ["?!", " —"] });
    const stream = await client().chat.completions.create({ model: "upstream-2", messages: ask("whale"), stream: true });
    let upstream: { inferenceId: string } | undefined;
    for await (const chunk of stream) upstream ??= (chunk as { upstream?: { inferenceId: string } }).upstream;
    expect(upstream).toBeDefined();
    expect(await storedInferences()).toBe(before + 2);
    const [row] = await db.select().from(inferences).where(eq(inferences.id, upstream!.inferenceId));
    expect(row.payees).toEqual([OWNER.toLowerCase()]);
    expect(row.amounts).toEqual([PRICE - protocolFee(PRICE, FEE_BPS)]);
    expect(await pendingHolds()).toBe(0);
  });

  it("pays what the data does not explain to the deployment's treasury when the model's card declares it", async () => {
    const gateway = await processServer().gateway();
    await db.update(modelRows).set({ unexplainedPool: "treasury" }).where(eq(modelRows.id, 2n));
    gateway.models.invalidate(2n);
    try {
      backendServer.failNext({ answer: ["Quokka ledgers glimmer sideways near the marmalade observatory tonight."] });
      const completion = await client().chat.completions.create({ model: "upstream-2", messages: ask("whale") });
      const [row] = await db
        .select()
        .from(inferences)
        .where(eq(inferences.id, (completion as unknown as { upstream: { inferenceId: string } }).upstream.inferenceId));
      const treasury = fixture.deployment.treasury.toLowerCase();
      const ownerPart = (PRICE * 2000n) / 10_000n;
      expect(row.payees).toEqual([OWNER.toLowerCase(), treasury]);
      expect(row.amounts).toEqual([ownerPart, PRICE - protocolFee(PRICE, FEE_BPS) - ownerPart]);
      const proof = row.attribution as { policy: { unexplainedPool: string }; split: { role: string; address?: string }[] };
      expect(proof.policy.unexplainedPool).toBe("treasury");
      expect(proof.split.find((p) => p.role === "unexplained")?.address?.toLowerCase()).toBe(treasury);
    } finally {
      await db.update(modelRows).set({ unexplainedPool: null }).where(eq(modelRows.id, 2n));
      gateway.models.invalidate(2n);
    }
    expect(await pendingHolds()).toBe(0);
  });

  it("charges an answer whose backend sent text the database cannot store: it is stored with U+FFFD in its place", async () => {
    const before = await storedInferences();
    backendServer.failNext({ answer: ["whale\u0000", " \uD800tale"] });
    const stream = await client().chat.completions.create({ model: "upstream-2", messages: ask("whale"), stream: true });
    let upstream: { inferenceId: string } | undefined;
    let text = "";
    for await (const chunk of stream) {
      upstream ??= (chunk as { upstream?: { inferenceId: string } }).upstream;
      text += chunk.choices[0]?.delta?.content ?? "";
    }
    expect(text).toBe("whale\uFFFD \uFFFDtale");
    expect(upstream).toBeDefined();
    expect(await storedInferences()).toBe(before + 1);
    expect(await pendingHolds()).toBe(0);
  });

  it("refuses a model whose owner share plus the protocol fee exceeds 100% before any output or hold", async () => {
    const before = await storedInferences();
    const model = (await getModel(db, 2n))!;
    const gateway = await processServer().gateway();
    await updateModelTerms(db, 2n, { price: PRICE, ownerShareBps: 10_000 - FEE_BPS + 1, status: "active", version: 2 });
    gateway.models.invalidate(2n);
    try {
      await expect(client().chat.completions.create({ model: "upstream-2", messages: ask("whale") })).rejects.toMatchObject({
        status: 409,
        code: "MODEL_TERMS_INVALID",
      });
      await expect(client().chat.completions.create({ model: "upstream-2", messages: ask("whale"), stream: true })).rejects.toMatchObject({
        status: 409,
        code: "MODEL_TERMS_INVALID",
      });
    } finally {
      await updateModelTerms(db, 2n, { price: model.price, ownerShareBps: model.ownerShareBps, status: "active", version: 3 });
      gateway.models.invalidate(2n);
    }
    expect(await pendingHolds()).toBe(0);
    expect(await storedInferences()).toBe(before);
  });
});

// Last: it retires model 1 for good.
describe("a model paused or retired on chain", () => {
  const registry = () => fixture.deployment.registry;
  const ownerCall = (functionName: string, args: readonly unknown[]) =>
    fixture.send(OWNER_INDEX, { address: registry(), abi: upstreamRegistryAbi, functionName, args });
  const setStatus = (status: "active" | "paused") => ownerCall("updateModel", [1n, PRICE, 2000, registryStatusValue(status)]);
  // A key the payments step refuses (401): whatever answers first tells whether the model was admitted.
  const probe = async () =>
    (
      await post(
        "/chat/completions",
        { model: "upstream-1", messages: ask("whale") },
        { authorization: "Bearer upk_00000000_" + "b".repeat(32) },
      )
    ).status;

  beforeAll(async () => {
    // Anchor the seeded datanet 1 and model 1 in the registry, with the seeded owner and terms.
    const stake = 10_000_000n;
    await fixture.send(OWNER_INDEX, { address: fixture.deployment.token, abi: testUsdAbi, functionName: "faucet", args: [2n * stake] });
    await fixture.send(OWNER_INDEX, {
      address: fixture.deployment.token,
      abi: testUsdAbi,
      functionName: "approve",
      args: [registry(), 2n * stake],
    });
    await ownerCall("publishDatanet", ["seed:datanet:1", "public domain", stake]);
    const published = await ownerCall("publishModel", ["seed:model:1", "builtin", [1n], PRICE, 2000, stake]);
    expect(fixture.events(published, upstreamRegistryAbi as never).find((e) => e.eventName === "ModelPublished")?.args.modelId).toBe(1n);
    // What the server process starts beside the settler (instrumentation.ts), reading the chain often.
    await processServer().startModelSync({ intervalMs: 50 });
  });
  afterAll(async () => processServer().stopModelSync());

  it("refuses a paused model with 409 MODEL_INACTIVE before anything is held, and serves it again once resumed", async () => {
    const before = await storedInferences();
    await setStatus("paused");
    await until(async () => (await probe()) === 409);
    expect((await getModel(db, 1n))?.status).toBe("paused");

    await expect(
      client().chat.completions.create({ model: "upstream-1", messages: ask("Why does Ishmael go to sea?") }),
    ).rejects.toMatchObject({ status: 409, code: "MODEL_INACTIVE", param: "model" });
    await expect(
      client().chat.completions.create({ model: "upstream-1", messages: ask("Who is Queequeg?"), stream: true }),
    ).rejects.toMatchObject({ status: 409, code: "MODEL_INACTIVE" });
    const raw = await post("/chat/completions", { model: "upstream-1", messages: ask("whale") }, { authorization: `Bearer ${apiKey}` });
    const body = (await raw.json()) as { error: { code: string; message: string } };
    expect([raw.status, body.error.code]).toEqual([409, "MODEL_INACTIVE"]);
    expect(body.error.message).toContain("paused");
    expect((await client().models.list()).data.map((m) => m.id)).toEqual(["upstream-2"]);
    // Retrieving it by name still works, and says why it is not listed.
    expect(((await client().models.retrieve("upstream-1")) as unknown as { upstream: { status: string } }).upstream.status).toBe("paused");
    expect(await pendingHolds()).toBe(0);
    expect(await storedInferences()).toBe(before);

    await setStatus("active");
    await until(async () => (await probe()) === 401);
    const answer = await client().chat.completions.create({ model: "upstream-1", messages: ask("Why does Ishmael go to sea?") });
    expect(answer.choices[0].message.content).toMatch(/sea/i);
    expect(await storedInferences()).toBe(before + 1);
  });

  it("refuses a retired model for good", async () => {
    await ownerCall("requestUnstake", [1, 1n]);
    await until(async () => (await probe()) === 409);
    await expect(client().chat.completions.create({ model: "upstream-1", messages: ask("whale") })).rejects.toMatchObject({
      status: 409,
      code: "MODEL_INACTIVE",
      message: expect.stringContaining("retired"),
    });
    expect(await pendingHolds()).toBe(0);
  });
});
