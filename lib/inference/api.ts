/**
 * The OpenAI-compatible API over the gateway: `POST /api/v1/chat/completions` (streamed and
 * not) and `GET /api/v1/models`. Route files call these with the process's service; tests call
 * them the same way. Bodies are read and validated by the edge (lib/http.ts); errors are the
 * same UpstreamErrors as everywhere, mapped to OpenAI's `{ error: { message, type, param, code } }`
 * with Upstream's stable codes.
 */
import type { Db } from "@/db/client";
import { getModel, listModels, type Model } from "@/db/marketplace";
import { exposedError, jsonResponse, parseInput, type ReadJsonBodyOptions, readJsonBody } from "@/lib/http";
import { ModelNotFoundError } from "@/lib/models/errors";
import type { CommittedInference } from "@/lib/payments";
import { type RateLimits, retryAfterHeaders } from "@/lib/rate-limits";
import type { V1ModelWire } from "@/lib/wire/openai";
import { BackendError } from "./backend";
import { InvalidInferenceRequestError, MissingApiKeyError } from "./errors";
import { completeInference, type Gateway, type InferenceResult, type InferenceRun, modelStatus, type UnchargedResult } from "./gateway";
import { modelName, parseModelName } from "./model-names";
import { type CompletionIdentity, chatCompletionRequestSchema, chunkBody, completionBody, errorBody, usageChunkBody } from "./openai-wire";
import { SSE_DONE, sseEvent } from "./sse";

/**
 * How /api/v1 reads a body: at most 2,000,000 characters (prompts are limited separately),
 * 413 REQUEST_TOO_LARGE past it, 400 INVALID_JSON when it is not JSON.
 */
const v1Body: ReadJsonBodyOptions = {
  maxChars: 2_000_000,
  strictUtf8: false,
  tooLarge: { code: "REQUEST_TOO_LARGE", status: 413 },
  invalidJson: { code: "INVALID_JSON", status: 400 },
};

/** Where the explorer shows an inference's attribution. */
export function attributionPath(inferenceId: string): string {
  return `/explorer/inferences/${inferenceId}`;
}

/** `POST /api/v1/chat/completions`. */
export async function handleChatCompletions(request: Request, service: Gateway | Promise<Gateway>, limits?: RateLimits): Promise<Response> {
  let run: InferenceRun | undefined;
  try {
    const apiKey = bearerToken(request);
    // Counted before anything is read or held: a key over its limit costs the server nothing more.
    await limits?.consume("apiKey", apiKey);
    const gateway = await service;
    const req = parseInput(chatCompletionRequestSchema, await readJsonBody(request, v1Body), {
      refuse: ({ issues: [issue] }) => {
        const param = issue?.path.join(".") || null;
        return new InvalidInferenceRequestError(`Invalid request: ${param ? `${param}: ` : ""}${issue?.message ?? "malformed"}`, param);
      },
    });
    const modelId = parseModelName(req.model);
    if (modelId === null) throw new ModelNotFoundError(req.model);
    run = await gateway.runInference({
      modelId,
      messages: req.messages,
      auth: { apiKey },
      maxTokens: req.max_completion_tokens ?? req.max_tokens ?? undefined,
      signal: request.signal,
    });
    const identity: CompletionIdentity = {
      id: `chatcmpl-${run.hold?.id ?? crypto.randomUUID()}`,
      model: modelName(modelId),
      created: Math.floor(Date.now() / 1000),
    };
    const origin = new URL(request.url).origin;
    if (req.stream) return streamResponse(run, identity, origin, req.stream_options?.include_usage === true);

    const result = await completeInference(run);
    if (!("inferenceId" in result)) {
      return jsonResponse({ ...completionBody(identity, result.text, "stop", result.usage), upstream: unchargedField(result) });
    }
    const completion = {
      ...completionBody({ ...identity, id: `chatcmpl-${result.inferenceId}` }, result.text, result.finishReason, result.usage),
    };
    return jsonResponse({ ...completion, upstream: upstreamField(result, origin) }, 200, resultHeaders(result, origin));
  } catch (error) {
    await run?.cancel();
    return errorResponse(error);
  }
}

/** `GET /api/v1/models`: every active marketplace model, as OpenAI lists models. */
export async function handleListModels(service: Db | Promise<Db>): Promise<Response> {
  try {
    const models = (await listModels(await service)).filter((m) => modelStatus(m) === "active");
    return jsonResponse({ object: "list", data: models.map(modelObject) });
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * `GET /api/v1/models/<name>`: one marketplace model, as OpenAI retrieves a model (the SDKs'
 * `models.retrieve`). A paused or retired model is found too; its `upstream.status` says so.
 */
export async function handleGetModel(service: Db | Promise<Db>, name: string): Promise<Response> {
  try {
    const id = parseModelName(name);
    const model = id === null ? undefined : await getModel(await service, id);
    if (!model) throw new ModelNotFoundError(name);
    return jsonResponse(modelObject(model));
  } catch (error) {
    return errorResponse(error);
  }
}

/** A model as the OpenAI API describes one, with the marketplace's terms under `upstream`. */
function modelObject(m: Model): V1ModelWire {
  return {
    id: modelName(m.id),
    object: "model" as const,
    created: Math.floor(m.createdAt.getTime() / 1000),
    owned_by: m.owner,
    upstream: {
      modelId: m.id.toString(),
      name: m.name,
      status: modelStatus(m),
      backend: m.backendKind,
      price: m.price.toString(),
      ownerShareBps: m.ownerShareBps,
      datanetIds: m.datanetIds.map(String),
      answersWithoutRecords: m.backendKind === "openai" && m.answersWithoutRecords,
    },
  };
}

function streamResponse(run: InferenceRun, identity: CompletionIdentity, origin: string, includeUsage: boolean): Response {
  return streamInference(run, {
    opening: [chunkBody(identity, { role: "assistant", content: "" })],
    delta: (text) => chunkBody(identity, { content: text }),
    done(result) {
      const last = { ...chunkBody(identity, {}, result.finishReason), upstream: upstreamField(result, origin) };
      return includeUsage ? [last, usageChunkBody(identity, result.usage)] : [last];
    },
    uncharged(result) {
      const last = { ...chunkBody(identity, {}, "stop"), upstream: unchargedField(result) };
      return includeUsage ? [last, usageChunkBody(identity, result.usage)] : [last];
    },
    // The openai SDK raises an error event in the stream as an APIError (its `error` is this
    // event's `error`); a call charged because output had started says so there.
    error(error, charged) {
      const { body } = openAIError(error);
      if (charged) Object.assign(body.error, { upstream: { inferenceId: charged.id, price: charged.price.toString(), charged: true } });
      return body;
    },
    trailer: SSE_DONE,
  });
}

/** How a route writes a running inference as server-sent events. */
export type InferenceStreamFormat = {
  /** Events sent before the answer begins (OpenAI's role chunk). */
  opening?: readonly unknown[];
  /** The event carrying one piece of the answer. */
  delta(text: string): unknown;
  /** The events that end a complete answer, in order. */
  done(result: InferenceResult): readonly unknown[];
  /** The events that end the free answer to a question nothing in the datanets is relevant to. */
  uncharged(result: UnchargedResult): readonly unknown[];
  /** The event reporting a failure once the headers are gone; `charged` is the stored inference if output had been sent. */
  error(error: unknown, charged: CommittedInference | undefined): unknown;
  /** Raw text after the last event of a complete answer (OpenAI's `data: [DONE]`). */
  trailer?: string;
};

/**
 * Streams a running inference as server-sent events in a route's format. The model runs as the
 * client reads; a failure is reported in the stream. The price is per call: a failure before the
 * first piece of the answer releases the hold (nothing is charged); once a piece was sent, the
 * call is charged however it ends — a backend failure or a client that goes away included — for
 * the output produced so far.
 */
export function streamInference(run: InferenceRun, format: InferenceStreamFormat): Response {
  const iterator = run.events[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const write = (controller: ReadableStreamDefaultController<Uint8Array>, events: readonly unknown[], trailer = "") =>
    controller.enqueue(encoder.encode(events.map((event) => sseEvent(event)).join("") + trailer));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (format.opening?.length) write(controller, format.opening);
    },
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) return controller.close();
        const event = next.value;
        if ("delta" in event) {
          write(controller, [format.delta(event.delta)]);
          // Output has reached the client: however the call ends now, it is charged.
          if (event.delta) run.delivered();
          return;
        }
        write(controller, "done" in event ? format.done(event.done) : format.uncharged(event.uncharged), format.trailer);
        controller.close();
        await iterator.return?.(undefined);
      } catch (error) {
        write(controller, [format.error(error, run.charged())]);
        controller.close();
        await run.cancel();
      }
    },
    async cancel() {
      await iterator.return?.(undefined);
      await run.cancel();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}

function upstreamField(result: InferenceResult, origin: string) {
  return {
    charged: true as const,
    inferenceId: result.inferenceId,
    settlementId: result.settlementSeq.toString(),
    attributionUrl: `${origin}${attributionPath(result.inferenceId)}`,
    attributionHash: result.attribution.hash,
    price: result.price.toString(),
    payer: result.payer,
    payouts: result.payouts.map((p) => ({ payee: p.payee, amount: p.amount.toString() })),
    timings: roundTimings(result.timings),
  };
}

/** `upstream` of a free answer: nothing was held, charged or settled. */
function unchargedField(result: UnchargedResult) {
  return { charged: false as const, reason: result.reason, price: "0", relevance: Math.round(result.relevance * 1000) / 1000 };
}

function roundTimings(timings: InferenceResult["timings"]) {
  return Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}

function resultHeaders(result: InferenceResult, origin: string): Record<string, string> {
  const t = result.timings;
  return {
    "x-upstream-inference-id": result.inferenceId,
    link: `<${origin}${attributionPath(result.inferenceId)}>; rel="attribution"`,
    "server-timing": `payment;dur=${t.paymentMs.toFixed(3)}, retrieval;dur=${t.retrievalMs.toFixed(3)}, backend;dur=${t.backendMs.toFixed(3)}, attribution;dur=${t.attributionMs.toFixed(3)}`,
  };
}

function bearerToken(request: Request): string {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new MissingApiKeyError();
  return match[1];
}

/**
 * The OpenAI error object for any error the gateway or the edge threw: what the edge exposes
 * (lib/http.ts `exposedError`: an UpstreamError, or the engine's error) keeps its code, status,
 * message and `param`, its details under `details`; anything else is 500 INTERNAL_ERROR without
 * its message.
 */
function openAIError(error: unknown): { status: number; body: ReturnType<typeof errorBody> } {
  const exposed = exposedError(error);
  if (!exposed) {
    console.error("inference API: unexpected error", error);
    return { status: 500, body: errorBody("internal error", "INTERNAL_ERROR", 500) };
  }
  const { status } = exposed;
  const body = errorBody(exposed.message, exposed.code, status, exposed.param);
  Object.assign(body.error, { details: exposed.details });
  if (error instanceof BackendError && !(status >= 400 && status < 500)) console.warn(`inference API: ${exposed.code}: ${exposed.message}`);
  return { status, body };
}

function errorResponse(error: unknown): Response {
  const { status, body } = openAIError(error);
  return jsonResponse(body, status === 499 ? 400 : status, retryAfterHeaders(error));
}
