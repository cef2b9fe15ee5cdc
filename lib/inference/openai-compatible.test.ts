import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackendKeyMissingError, BackendKeyNotAllowedError, loadConfig } from "@/lib/config";
import { BackendAbortedError, BackendError, type ContextRecord, collectAnswer, type GenerateEvent } from "./backend";
import { composeAnswer } from "./builtin";
import { createOpenAICompatibleBackend, openAIBackendFor } from "./openai-compatible";
import { parseContextMessage } from "./prompt";
import { type OpenAICompatibleTestServer, startOpenAICompatibleServer } from "./testing/server";

const KEY = "sk-test-4f1c9a7e2b";
const question = "Where did the whale ship sail from?";
const context: ContextRecord[] = [
  {
    id: "7:0",
    text: "The Pequod sailed from Nantucket on a cold Christmas day. Her captain was Ahab, a grand, ungodly, god-like man.",
    score: 3,
  },
  { id: "7:1", text: "Nantucket is an island far out at sea. Its people hunted the whale in every ocean of the world.", score: 2 },
  { id: "9:4", text: "Recipes for chowder were traded along the wharf. Clam or cod, the landlady asked.", score: 1 },
];
const messages = [{ role: "user" as const, content: question }];

let server: OpenAICompatibleTestServer;
beforeAll(async () => {
  server = await startOpenAICompatibleServer({ apiKey: KEY, models: ["extractive-1"] });
});
afterAll(() => server.close());

const backend = (apiKey = KEY, timeoutMs?: number) =>
  createOpenAICompatibleBackend({ baseUrl: server.baseUrl, model: "extractive-1", apiKey, timeoutMs });

async function events(iterable: AsyncIterable<GenerateEvent>): Promise<GenerateEvent[]> {
  const out: GenerateEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

describe("the OpenAI-compatible backend against a real HTTP server", () => {
  it("streams the endpoint's answer, sending the context and the key", async () => {
    const seen = await events(backend().generate({ messages, context, maxTokens: 100 }));
    const deltas = seen.filter((e) => "delta" in e);
    expect(deltas.length).toBeGreaterThan(1);
    const done = seen.at(-1)!;
    expect("done" in done && done.done).toBe(true);
    const text = deltas.map((e) => ("delta" in e ? e.delta : "")).join("");
    // The server runs the built-in engine over the records it read from the prompt.
    expect(text).toBe(
      composeAnswer(question, context, 100)
        .pieces.map((p) => p.text)
        .join(""),
    );
    expect(text).toContain("Nantucket");
    if ("done" in done) expect(done.usage.completionTokens).toBe(composeAnswer(question, context, 100).outputTokens);

    const sent = server.requests.at(-1)!;
    expect(sent.authorization).toBe(`Bearer ${KEY}`);
    const body = sent.body as { stream: boolean; max_tokens: number; messages: { role: string; content: string }[] };
    expect(body.stream).toBe(true);
    expect(body.max_tokens).toBe(100);
    expect(parseContextMessage(body.messages[0].content).map((r) => [r.id, r.text])).toEqual(context.map((r) => [r.id, r.text]));
    expect(body.messages.at(-1)).toEqual({ role: "user", content: question });
  });

  it("fails with the endpoint's error but never repeats the key", async () => {
    const wrong = "sk-wrong-key-0000";
    const error = await collectAnswer(backend(wrong).generate({ messages, context, maxTokens: 50 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toMatch(/HTTP 401/);
    expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain(wrong);
  });

  it("fails on an error status and on a stream that breaks off mid-answer", async () => {
    server.failNext({ status: 503 });
    await expect(collectAnswer(backend().generate({ messages, context, maxTokens: 50 }))).rejects.toThrow(/HTTP 503/);
    server.failNext({ breakAfterDeltas: 1 });
    const seen: string[] = [];
    const run = (async () => {
      for await (const e of backend().generate({ messages, context, maxTokens: 50 })) if ("delta" in e) seen.push(e.delta);
    })();
    await expect(run).rejects.toBeInstanceOf(BackendError);
    expect(seen.length).toBe(1);
  });

  it("fails when the endpoint is unreachable", async () => {
    const down = await startOpenAICompatibleServer();
    const baseUrl = down.baseUrl;
    await down.close();
    const unreachable = createOpenAICompatibleBackend({ baseUrl, model: "x" });
    await expect(collectAnswer(unreachable.generate({ messages, context, maxTokens: 50 }))).rejects.toThrow(/unreachable/);
  });

  it("stops when the client goes away mid-answer", async () => {
    server.setDeltaDelay(30);
    try {
      const controller = new AbortController();
      const run = (async () => {
        for await (const e of backend().generate({ messages, context, maxTokens: 100, signal: controller.signal })) {
          if ("delta" in e) controller.abort();
        }
      })();
      await expect(run).rejects.toBeInstanceOf(BackendAbortedError);
    } finally {
      server.setDeltaDelay(0);
    }
  });

  it("takes the key from server configuration by name, and refuses a name that is not configured", async () => {
    const settings = {
      backendKind: "openai" as const,
      backendBaseUrl: server.baseUrl,
      backendModel: "extractive-1",
      backendKeyName: "TESTSERVER",
    };
    const configured = loadConfig({ BACKEND_KEY_TESTSERVER: KEY, BACKEND_URL_TESTSERVER: server.baseUrl });
    const { text } = await collectAnswer(openAIBackendFor(settings, configured).generate({ messages, context, maxTokens: 60 }));
    expect(text).toContain("Nantucket");
    expect(() => openAIBackendFor(settings, loadConfig({}))).toThrow(BackendKeyMissingError);
  });

  it("does not follow a redirect with the key: it could lead outside the key's URL", async () => {
    const heard: (string | undefined)[] = [];
    const redirecting = createServer((request, response) => {
      if (request.url?.startsWith("/elsewhere")) heard.push(request.headers.authorization);
      response.writeHead(request.url?.startsWith("/v1") ? 307 : 404, { location: "/elsewhere/chat/completions" }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = redirecting.address() as AddressInfo;
      const keyed = createOpenAICompatibleBackend({ baseUrl: `http://127.0.0.1:${port}/v1`, model: "m", apiKey: KEY });
      const run = collectAnswer(keyed.generate({ messages, context, maxTokens: 10 }));
      await expect(run).rejects.toThrow("HTTP 307");
      await expect(run).rejects.not.toThrow(KEY);
      expect(heard).toEqual([]);
    } finally {
      redirecting.closeAllConnections();
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it("sends a key only under the base URL it is configured for", () => {
    const configured = loadConfig({ BACKEND_KEY_TESTSERVER: KEY, BACKEND_URL_TESTSERVER: server.baseUrl });
    const origin = new URL(server.baseUrl).origin;
    const elsewhere = (backendBaseUrl: string) => ({
      backendKind: "openai" as const,
      backendBaseUrl,
      backendModel: "extractive-1",
      backendKeyName: "TESTSERVER",
    });
    for (const url of [
      `${origin}/v2`,
      `${origin}/v1/../v2`,
      "http://127.0.0.2:1/v1",
      `${server.baseUrl.replace("127.0.0.1", "localhost")}`,
    ]) {
      expect(() => openAIBackendFor(elsewhere(url), configured), url).toThrow(BackendKeyNotAllowedError);
    }
    expect(() => openAIBackendFor(elsewhere(`${server.baseUrl}/`), configured)).not.toThrow();
    // Without a key, a model may point anywhere: nothing of the server's goes with it.
    expect(() => openAIBackendFor({ ...elsewhere("http://127.0.0.2:1/v1"), backendKeyName: null }, configured)).not.toThrow();
  });
});

describe("the test server speaks the protocol the official openai SDK expects", () => {
  const client = () => new OpenAI({ apiKey: KEY, baseURL: server.baseUrl, maxRetries: 0 });
  const withContext = [
    { role: "system" as const, content: `<record id="1:0">\n${context[0].text}\n</record>` },
    { role: "user" as const, content: question },
  ];

  it("answers a plain and a streamed completion, with usage", async () => {
    const plain = await client().chat.completions.create({ model: "extractive-1", messages: withContext, max_tokens: 80 });
    expect(plain.choices[0].message.content).toContain("Nantucket");
    expect(plain.usage?.completion_tokens).toBeGreaterThan(0);

    const stream = await client().chat.completions.create({
      model: "extractive-1",
      messages: withContext,
      max_tokens: 80,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(plain.choices[0].message.content);
    expect(usage).toEqual(plain.usage);
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toEqual(["extractive-1"]);
  });

  it("answers unknown models and bad keys with OpenAI's error shape", async () => {
    await expect(client().chat.completions.create({ model: "nope", messages: withContext })).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
    const bad = new OpenAI({ apiKey: "sk-bad", baseURL: server.baseUrl, maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: "extractive-1", messages: withContext })).rejects.toMatchObject({ status: 401 });
  });
});
