/**
 * The OpenAI chat-completions wire format, as far as Upstream speaks it: the request schema the
 * API validates, and the response, chunk and error bodies it (and the test server) sends.
 */
import { z } from "zod";
import type { Usage } from "./backend";

/** Content as OpenAI clients send it: a string, or a list of text parts. */
const content = z.union([
  z.string(),
  z.array(z.object({ type: z.literal("text"), text: z.string() }).loose()).transform((parts) => parts.map((p) => p.text).join("")),
]);

/** One message of a request; roles beyond system/user/assistant are refused. */
export const chatMessageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant"]).transform((r) => (r === "developer" ? "system" : r)),
    content,
  })
  .loose();

/** The body of `POST /v1/chat/completions` (unknown OpenAI fields are accepted and ignored). */
export const chatCompletionRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(chatMessageSchema).min(1),
    stream: z.boolean().nullish(),
    max_tokens: z.number().int().min(1).max(4096).nullish(),
    max_completion_tokens: z.number().int().min(1).max(4096).nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).loose().nullish(),
    n: z.literal(1).nullish(),
  })
  .loose();

/** A validated chat-completions request. */
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** OpenAI's usage object from ours. */
export function wireUsage(usage: Usage) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

/** Identity fields shared by a completion and its chunks. */
export type CompletionIdentity = {
  /** Completion id (`chatcmpl-…`). */
  id: string;
  /** Model name as the client asked for it. */
  model: string;
  /** Unix seconds. */
  created: number;
};

/** A whole (non-streamed) chat completion. */
export function completionBody(identity: CompletionIdentity, text: string, finishReason: "stop" | "length", usage: Usage) {
  return {
    ...identity,
    object: "chat.completion" as const,
    choices: [
      { index: 0, message: { role: "assistant" as const, content: text, refusal: null }, logprobs: null, finish_reason: finishReason },
    ],
    usage: wireUsage(usage),
  };
}

/** A streamed chunk: the role on the first, text deltas, then the finish reason. */
export function chunkBody(
  identity: CompletionIdentity,
  delta: { role?: "assistant"; content?: string },
  finishReason: "stop" | "length" | null = null,
) {
  return {
    ...identity,
    object: "chat.completion.chunk" as const,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** The usage-only chunk sent last when the client asked for `stream_options.include_usage`. */
export function usageChunkBody(identity: CompletionIdentity, usage: Usage) {
  return { ...identity, object: "chat.completion.chunk" as const, choices: [], usage: wireUsage(usage) };
}

/** OpenAI's error body. `type` follows OpenAI's families; `code` is Upstream's stable code. */
export function errorBody(message: string, code: string, status: number, param: string | null = null) {
  return { error: { message, type: errorType(status), param, code } };
}

function errorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 402) return "payment_required";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}
