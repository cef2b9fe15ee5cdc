/**
 * A small, real OpenAI-compatible HTTP server (node:http) for tests and local experiments: it
 * speaks `POST /v1/chat/completions` (streamed and not) and `GET /v1/models`, and answers with
 * the built-in engine over the records it finds in the request's context message — the same
 * way an LLM behind Ollama or vLLM would see them. Faults can be switched on to test how the
 * gateway copes with a backend that fails or breaks off mid-answer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ChatMessage, collectAnswer, type GenerateEvent } from "../backend";
import { createBuiltinBackend } from "../builtin";
import { type CompletionIdentity, chatCompletionRequestSchema, chunkBody, completionBody, errorBody, usageChunkBody } from "../openai-wire";
import { parseContextMessage } from "../prompt";
import { SSE_DONE, sseEvent } from "../sse";

/** Options of {@link startOpenAICompatibleServer}. */
export type TestServerOptions = {
  /** Bearer token the server requires; omit to accept any request. */
  apiKey?: string;
  /** Model names it serves. Default `["builtin-extractive"]`. */
  models?: string[];
  /** Port to listen on (127.0.0.1). Default 0: any free port. */
  port?: number;
};

/** A fault to inject into the next chat completion. */
export type TestServerFault =
  /** Answer with this HTTP status and an error body. */
  | { status: number }
  /** Stream this many deltas, then cut the connection without finishing. */
  | { breakAfterDeltas: number }
  /** Answer with exactly these deltas, then finish (an answer with nothing to attribute, say). */
  | { answer: string[] };

/** What the server saw of one chat-completions request. */
export type RecordedRequest = {
  /** The Authorization header as received (tests check that the key arrived). */
  authorization: string | undefined;
  /** The parsed JSON body. */
  body: unknown;
};

/** A running test server. */
export type OpenAICompatibleTestServer = {
  /** Base URL including `/v1`, as a backend is configured with. */
  baseUrl: string;
  /** Requests to `/v1/chat/completions`, oldest first. */
  requests: RecordedRequest[];
  /** Fault for the next chat completion only (then cleared). */
  failNext(fault: TestServerFault): void;
  /** Pause between streamed deltas in milliseconds (default 0), to let a client leave mid-answer. */
  setDeltaDelay(ms: number): void;
  /** Stops the server and closes open connections. */
  close(): Promise<void>;
};

/** Starts the server and resolves once it listens. */
export async function startOpenAICompatibleServer(options: TestServerOptions = {}): Promise<OpenAICompatibleTestServer> {
  const models = options.models ?? ["builtin-extractive"];
  const engine = createBuiltinBackend();
  const requests: RecordedRequest[] = [];
  let fault: TestServerFault | null = null;
  let deltaDelay = 0;
  let sequence = 0;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  async function chatCompletion(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, 400, errorBody("the body is not valid JSON", "invalid_json", 400));
    }
    requests.push({ authorization: req.headers.authorization, body });
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return send(res, 401, errorBody("Incorrect API key provided.", "invalid_api_key", 401));
    }
    const parsed = chatCompletionRequestSchema.safeParse(body);
    if (!parsed.success) return send(res, 400, errorBody(parsed.error.issues[0]?.message ?? "invalid request", "invalid_request", 400));
    const request = parsed.data;
    if (!models.includes(request.model)) {
      return send(res, 404, errorBody(`The model '${request.model}' does not exist`, "model_not_found", 404, "model"));
    }
    const injected = fault;
    fault = null;
    if (injected && "status" in injected) return send(res, injected.status, errorBody("injected failure", "server_error", injected.status));

    // The context message becomes the engine's records; every other message is the conversation.
    const context = request.messages.flatMap((m) => (m.role === "system" ? parseContextMessage(m.content) : []));
    const messages: ChatMessage[] = request.messages.filter((m) => m.role !== "system" || parseContextMessage(m.content).length === 0);
    const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? 256;
    const controller = new AbortController();
    res.on("close", () => controller.abort());
    const events =
      injected && "answer" in injected
        ? scripted(injected.answer)
        : engine.generate({ messages, context, maxTokens, signal: controller.signal });
    const identity: CompletionIdentity = {
      id: `chatcmpl-test-${++sequence}`,
      model: request.model,
      created: Math.floor(Date.now() / 1000),
    };

    if (!request.stream) {
      const { text, done } = await collectAnswer(events);
      return send(res, 200, completionBody(identity, text, done.finishReason, done.usage));
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(sseEvent(chunkBody(identity, { role: "assistant", content: "" })));
    let deltas = 0;
    for await (const event of events) {
      if ("done" in event) {
        res.write(sseEvent(chunkBody(identity, {}, event.finishReason)));
        if (request.stream_options?.include_usage) res.write(sseEvent(usageChunkBody(identity, event.usage)));
        res.end(SSE_DONE);
        return;
      }
      if (deltaDelay > 0) await new Promise((resolve) => setTimeout(resolve, deltaDelay));
      if (controller.signal.aborted) return;
      if (injected && "breakAfterDeltas" in injected && ++deltas >= injected.breakAfterDeltas) {
        // Let the delta reach the client, then drop the connection without finishing the response.
        res.write(sseEvent(chunkBody(identity, { content: event.delta })), () => setTimeout(() => res.destroy(), 20));
        return;
      }
      res.write(sseEvent(chunkBody(identity, { content: event.delta })));
    }
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "POST" && path === "/v1/chat/completions") {
      chatCompletion(req, res).catch((error: Error) => {
        if (!res.headersSent) send(res, 500, errorBody(error.message, "server_error", 500));
        else res.destroy();
      });
    } else if (req.method === "GET" && path === "/v1/models") {
      send(res, 200, { object: "list", data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "upstream-test" })) });
    } else {
      send(res, 404, errorBody(`no route ${req.method} ${path}`, "not_found", 404));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext(next) {
      fault = next;
    },
    setDeltaDelay(ms) {
      deltaDelay = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A backend answer of exactly these deltas. */
async function* scripted(deltas: readonly string[]): AsyncGenerator<GenerateEvent> {
  for (const delta of deltas) yield { delta };
  yield { done: true, finishReason: "stop", usage: { promptTokens: 1, completionTokens: deltas.length } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
