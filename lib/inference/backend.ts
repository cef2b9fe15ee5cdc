/**
 * The one streaming interface every model backend speaks: the built-in extractive engine and
 * any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, hosted APIs). The gateway
 * retrieves the context, hands it to `generate`, and streams the deltas to the client.
 */
import { type BackendInfluence, scanTokens } from "@/lib/attribution";
import { UpstreamError } from "@/lib/errors";

/** One chat message, as the OpenAI wire format has it. */
export type ChatMessage = {
  /** Who said it. */
  role: "system" | "user" | "assistant";
  /** Plain text. */
  content: string;
};

/** A record retrieved from the model's datanets for this prompt, with its text. */
export type ContextRecord = {
  /** Record id in the model's index (`<contributionId>:<position>`). */
  id: string;
  /** The record's text. */
  text: string;
  /** Retrieval score (BM25); higher is more relevant. */
  score: number;
};

/** What `generate` is asked to do. */
export type GenerateRequest = {
  /** The conversation; the last user message is the question. */
  messages: readonly ChatMessage[];
  /** Retrieved records, best first. */
  context: readonly ContextRecord[];
  /** Most output tokens to produce. */
  maxTokens: number;
  /** Aborted when the client goes away; the backend stops as soon as it can. */
  signal?: AbortSignal;
};

/** Token counts of one generation. */
export type Usage = {
  /** Tokens of the prompt as the backend counted them (context included). */
  promptTokens: number;
  /** Tokens of the answer. */
  completionTokens: number;
};

/** A piece of the answer. */
export type GenerateDelta = {
  /** Text to append to the answer. */
  delta: string;
};

/** The end of a generation. */
export type GenerateDone = {
  /** Marks the last event. */
  done: true;
  /** Why the answer ended: complete, or cut at `maxTokens`. */
  finishReason: "stop" | "length";
  /** Token counts. */
  usage: Usage;
  /**
   * Each context record's measured effect on the answer, when the backend can measure it (the
   * built-in engine knows exactly which record each sentence came from). Absent: the
   * attribution engine's span leave-one-out is used instead.
   */
  contextInfluence?: BackendInfluence[];
};

/** One event of a generation stream. */
export type GenerateEvent = GenerateDelta | GenerateDone;

/** A model backend: turns a conversation and its retrieved context into a streamed answer. */
export interface ModelBackend {
  /** Which kind of backend this is (as stored on the model). */
  readonly kind: "builtin" | "openai";
  /**
   * Streams the answer: zero or more deltas, then exactly one `done` event. Throws
   * `BackendError` (or `BackendAbortedError` when `signal` fired) instead of finishing.
   */
  generate(request: GenerateRequest): AsyncIterable<GenerateEvent>;
}

/** The backend failed to produce an answer (unreachable, an error status, a broken stream). */
export class BackendError extends UpstreamError {
  readonly code: string = "BACKEND_FAILED";
  readonly status: number = 502;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The generation was stopped because the client went away. */
export class BackendAbortedError extends BackendError {
  override readonly code = "CLIENT_DISCONNECTED";
  override readonly status = 499;
  constructor() {
    super("the client disconnected before the answer was complete");
  }
}

/** Runs a generation to the end and returns the whole answer with its final event. */
export async function collectAnswer(events: AsyncIterable<GenerateEvent>): Promise<{ text: string; done: GenerateDone }> {
  let text = "";
  for await (const event of events) {
    if ("done" in event) return { text, done: event };
    text += event.delta;
  }
  throw new BackendError("the backend's stream ended without a final event");
}

/** The question of a conversation: its last user message. */
export function lastUserMessage(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === "user") return messages[i].content;
  return "";
}

/** Number of tokens of `text` by the attribution tokenizer: the unit of `maxTokens` and `Usage`. */
export function countTokens(text: string): number {
  let n = 0;
  scanTokens(text, () => n++);
  return n;
}
