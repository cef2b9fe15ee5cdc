/**
 * A backend that calls any OpenAI-compatible chat-completions endpoint (Ollama, vLLM, llama.cpp
 * server, hosted APIs) and streams its answer. The retrieved records go in as one system
 * message. The API key comes from the server's configuration by name; it is sent only in the
 * Authorization header and never appears in an error message or a log line.
 */
import { z } from "zod";
import { backendKey, type ServerConfig } from "@/lib/config";
import {
  BackendAbortedError,
  BackendError,
  type ChatMessage,
  countTokens,
  type GenerateEvent,
  type GenerateRequest,
  type ModelBackend,
  type Usage,
} from "./backend";
import { contextMessage } from "./prompt";
import { readSseData } from "./sse";
import { storable } from "./storable";

/** Where and how to reach an OpenAI-compatible endpoint. */
export type OpenAICompatibleOptions = {
  /** Base URL including the version path, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  /** Model name at the endpoint, e.g. `llama3.2`. */
  model: string;
  /** API key sent as a bearer token; omit for endpoints without auth. */
  apiKey?: string;
  /** Longest the whole answer may take, in milliseconds. Default 120,000. */
  timeoutMs?: number;
};

const chunkSchema = z
  .object({
    choices: z
      .array(
        z
          .object({
            delta: z.object({ content: z.string().nullish() }).loose().nullish(),
            finish_reason: z.string().nullish(),
          })
          .loose(),
      )
      .nullish(),
    usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).loose().nullish(),
  })
  .loose();

/** The URL a backend at `baseUrl` posts its chat completions to. */
export function chatCompletionsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/chat/completions`;
}

/** Creates a backend for one model at an OpenAI-compatible endpoint. */
export function createOpenAICompatibleBackend(options: OpenAICompatibleOptions): ModelBackend {
  const url = chatCompletionsUrl(options.baseUrl);
  const redact = (text: string) => (options.apiKey ? text.split(options.apiKey).join("[redacted]") : text);
  return {
    kind: "openai",
    async *generate(request: GenerateRequest): AsyncIterable<GenerateEvent> {
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      const fail = (what: string, cause?: unknown): never => {
        if (request.signal?.aborted) throw new BackendAbortedError();
        if (timeout.aborted) throw new BackendError(`the model backend did not finish within ${options.timeoutMs ?? 120_000} ms`);
        throw new BackendError(redact(what), { cause });
      };
      const messages = withContext(request.messages, request);
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "text/event-stream",
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
          },
          body: JSON.stringify({
            model: options.model,
            messages,
            max_tokens: request.maxTokens,
            stream: true,
            stream_options: { include_usage: true },
          }),
          signal,
          // A redirect is not followed with the key: it could lead outside the key's configured URL.
          ...(options.apiKey ? { redirect: "manual" as const } : {}),
        });
      } catch (error) {
        return fail(`the model backend at ${options.baseUrl} is unreachable: ${(error as Error).message}`, error);
      }
      if (!response.ok || !response.body) {
        const detail = await response.text().catch(() => "");
        return fail(`the model backend answered HTTP ${response.status}: ${errorMessageOf(detail)}`);
      }

      let text = "";
      let finishReason: "stop" | "length" | null = null;
      let usage: Usage | null = null;
      let finished = false;
      try {
        for await (const data of readSseData(response.body)) {
          if (data.trim() === "[DONE]") {
            finished = true;
            break;
          }
          const parsed = chunkSchema.safeParse(safeJson(data));
          if (!parsed.success) return fail("the model backend sent a malformed stream chunk");
          const chunk = parsed.data;
          if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
          for (const choice of chunk.choices ?? []) {
            // Stored with the inference: what the database cannot store would fail the commit.
            const delta = choice.delta?.content && storable(choice.delta.content);
            if (delta) {
              text += delta;
              yield { delta };
            }
            if (choice.finish_reason) finishReason = choice.finish_reason === "length" ? "length" : "stop";
          }
        }
      } catch (error) {
        if (error instanceof BackendError) throw error;
        return fail(`the model backend's stream broke: ${(error as Error).message}`, error);
      }
      if (!finished && finishReason === null) return fail("the model backend's stream ended before the answer was complete");
      if (request.signal?.aborted) throw new BackendAbortedError();
      yield {
        done: true,
        finishReason: finishReason ?? "stop",
        usage: usage ?? { promptTokens: countTokens(messages.map((m) => m.content).join("\n")), completionTokens: countTokens(text) },
      };
    },
  };
}

/** The fields of a model row that say where its answers come from. */
export type ModelBackendSettings = {
  /** "builtin" or "openai". */
  backendKind: "builtin" | "openai";
  /** OpenAI-compatible base URL (for "openai"). */
  backendBaseUrl: string | null;
  /** Model name at the endpoint (for "openai"). */
  backendModel: string | null;
  /** Name of the key in the server's configuration (`BACKEND_KEY_<NAME>`), if the endpoint needs one. */
  backendKeyName: string | null;
};

/**
 * The OpenAI-compatible backend of a model row, with its key looked up in the server's
 * configuration: throws `BackendKeyMissingError` when the named key is not configured, and
 * `BackendKeyNotAllowedError` when the model's endpoint lies outside the key's
 * `BACKEND_URL_<NAME>` (a model owner chooses the endpoint; the operator chooses where a key goes).
 */
export function openAIBackendFor(model: ModelBackendSettings, from: ServerConfig): ModelBackend {
  if (model.backendKind !== "openai" || !model.backendBaseUrl || !model.backendModel) {
    throw new BackendError("the model has no OpenAI-compatible endpoint configured");
  }
  return createOpenAICompatibleBackend({
    baseUrl: model.backendBaseUrl,
    model: model.backendModel,
    apiKey: model.backendKeyName ? keyFor(model.backendKeyName, model.backendBaseUrl, from) : undefined,
  });
}

/** The named key, if both the base URL and the URL actually requested lie under the key's configured URL. */
function keyFor(name: string, baseUrl: string, from: ServerConfig): string {
  backendKey(name, baseUrl, from);
  return backendKey(name, chatCompletionsUrl(baseUrl), from);
}

function withContext(messages: readonly ChatMessage[], request: GenerateRequest): ChatMessage[] {
  const context = contextMessage(request.context);
  return context ? [context, ...messages] : [...messages];
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorMessageOf(body: string): string {
  const parsed = z
    .object({ error: z.object({ message: z.string() }).loose() })
    .loose()
    .safeParse(safeJson(body));
  const message = parsed.success ? parsed.data.error.message : body;
  return message.slice(0, 300) || "(no body)";
}
