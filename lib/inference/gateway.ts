/**
 * The gateway: runs one paid inference end to end.
 *
 *   validate → price (fixed from the model) → payments.authorize (402 before the model runs)
 *   → retrieve → generate (streamed) → attribute → payments.commit (stores the inference with
 *   its proof and enqueues its settlement) → respond.
 *
 * A question nothing in the model's datanets is relevant to (no retrieved record covers
 * `MIN_RELEVANCE` of its informative weight between them, `queryCoverage`) is decided right after the payer
 * is authorized, before any output: the hold is released, the built-in engine's answer says that
 * nothing matches, and nothing is charged; an OpenAI-compatible
 * backend is asked, and charged, only when its model's terms say it answers without records.
 *
 * The price is per call. Everything that can refuse the request happens in `runInference`,
 * before it returns and before any output (the model's terms included: an owner share plus the
 * protocol fee over 100% is refused there); the model runs while the caller iterates `events`.
 * Until output has reached the client (the caller says so with `delivered()`), a backend failure,
 * a client that leaves or a caller that stops releases the hold: nothing is charged. From then on
 * the call is charged however it ends: the output produced so far is attributed and committed.
 */
import { type Address, getAddress } from "viem";
import type { Db } from "@/db/client";
import type { Model } from "@/db/marketplace";
import { type Attribution, attribute, queryCoverage, retrieve, type SplitPart, tokenize } from "@/lib/attribution";
import type { ServerConfig } from "@/lib/config";
import { ModelNotFoundError } from "@/lib/models/errors";
import type { CommittedInference, Hold, Payments, Payout } from "@/lib/payments";
import {
  BackendAbortedError,
  BackendError,
  type ChatMessage,
  type ContextRecord,
  collectAnswer,
  type GenerateDone,
  lastUserMessage,
  type ModelBackend,
  type Usage,
} from "./backend";
import { createBuiltinBackend } from "./builtin";
import {
  AnswerCutOffError,
  InvalidInferenceRequestError,
  ModelInactiveError,
  ModelTermsInvalidError,
  ModelTreasuryUnknownError,
  PromptTooLongError,
} from "./errors";
import { createModelCache, type ModelCache, type ModelEntry } from "./model-cache";
import { modelName } from "./model-names";
import { openAIBackendFor } from "./openai-compatible";
import { retrievalQuery } from "./query";
import { unstorable } from "./storable";

/** How long before its hold expires a delivered answer still running is cut off and charged. */
const CHARGE_MARGIN_MS = 15_000;

/**
 * The least share of a question's informative weight (idf) the retrieved records must hold
 * for the data to be relevant at all (`queryCoverage` in lib/attribution/relevance.ts). Below it,
 * nothing in the datanets speaks to the question: the call is answered so, and not charged.
 */
export const MIN_RELEVANCE = 0.5;

/** Records retrieved into a model's context, and so the extra calls context ablation makes per answer. */
export const CONTEXT_ABLATION_CALLS = 5;

/** What the built-in engine answers, free, when nothing in the datanets is relevant. */
export const NOTHING_MATCHES =
  "Nothing in this model's datanets matches your question, so there is no answer from its data, and nothing was charged.";

/** Who pays: an API key, or a payer with (optionally) one of their permits. */
export type InferenceAuth = { apiKey: string } | { payer: string; permitId?: string };

/** Parameters of {@link Gateway.runInference}. */
export type RunInferenceParameters = {
  /** Registry id of the model. */
  modelId: bigint;
  /** The conversation; its last user message is the question. */
  messages: readonly ChatMessage[];
  /** Who pays. */
  auth: InferenceAuth;
  /** Most output tokens (default 256, at most 4096). */
  maxTokens?: number;
  /** Fires when the client goes away; the model stops (charged only if output had reached the client). */
  signal?: AbortSignal;
};

/** Where the time of one inference went, in milliseconds. */
export type InferenceTimings = {
  /** authorize + commit: the payment overhead. */
  paymentMs: number;
  /** Finding the context records (BM25). */
  retrievalMs: number;
  /** The model backend, from request to its last event. */
  backendMs: number;
  /** Attribution and split. */
  attributionMs: number;
  /** CPU time of the attribution (it runs synchronously, so this is its cost without the machine's other work). */
  attributionCpuMs: number;
};

/** A paid, stored inference. */
export type InferenceResult = {
  /** Inference id (uuid); the explorer shows it at `/explorer/inferences/<id>`. */
  inferenceId: string;
  /** The on-chain settlement id. */
  settlementSeq: bigint;
  /** Registry id of the model. */
  modelId: bigint;
  /** The whole answer. */
  text: string;
  /** Why the answer ended. */
  finishReason: "stop" | "length";
  /** Token counts. */
  usage: Usage;
  /** Price charged, in token units. */
  price: bigint;
  /** The payer charged. */
  payer: `0x${string}`;
  /** The attribution (its hash goes on chain). */
  attribution: Attribution;
  /** Per-payee amounts (the protocol fee excluded). */
  payouts: Payout[];
  /** Where the time went. */
  timings: InferenceTimings;
};

/** A question nothing in the datanets is relevant to: answered so, with no hold, charge or settlement. */
export type UnchargedResult = {
  /** Why nothing was charged (stable). */
  reason: "NO_RELEVANT_RECORDS";
  /** Registry id of the model. */
  modelId: bigint;
  /** The answer ({@link NOTHING_MATCHES}). */
  text: string;
  /** The retrieved records' coverage of the question (0–1), below {@link MIN_RELEVANCE}. */
  relevance: number;
  /** Token counts (the answer's words; no model ran). */
  usage: Usage;
};

/** One event of a running inference: text as it is produced, then the stored result (or the free answer). */
export type InferenceEvent = { delta: string } | { done: InferenceResult } | { uncharged: UnchargedResult };

/** An authorized inference, ready to run. */
export type InferenceRun = {
  /** The model that answers. */
  model: Model;
  /** The hold on the payer's balance; null for a question nothing is relevant to (its hold was released: it is free). */
  hold: Hold | null;
  /** Runs the model; iterate to the end, or call `cancel`. */
  events: AsyncIterable<InferenceEvent>;
  /**
   * Says that output has reached the client (a streamed delta was sent): from now on the call is
   * charged however it ends. A caller that sends nothing before the end (a non-streamed answer)
   * never calls it.
   */
  delivered(): void;
  /**
   * Ends the run if it has not ended: releases the hold if no output reached the client, else
   * commits the output produced so far. Idempotent.
   */
  cancel(): Promise<void>;
  /** The stored inference once the call was charged (also when it ended early), else undefined. */
  charged(): CommittedInference | undefined;
};

/** Dependencies and settings of {@link createGateway}. */
export type GatewayOptions = {
  /** The app's database. */
  db: Db;
  /** The payments service (only these three steps are used). */
  payments: Pick<Payments, "authorize" | "release" | "commit" | "holdExpiresAt">;
  /** Server settings used: prompt limit, fee (when `protocolFeeBps` is not given) and backend keys. */
  config: Pick<ServerConfig, "maxPromptChars" | "protocolFeeBps" | "backendKeys">;
  /**
   * The market's protocol fee in basis points; the split must use the fee the contract takes.
   * Default: the configuration's `PROTOCOL_FEE_BPS`.
   */
  protocolFeeBps?: () => number | Promise<number>;
  /**
   * The deployment's treasury: paid the unexplained part of the data pool of a model whose card
   * declares `unexplainedPool: "treasury"` (such a model is refused without it).
   */
  treasury?: Address;
  /** Records retrieved into the context. Default 5. */
  retrievalK?: number;
  /** Model cache freshness, in ms. Default 1000. */
  modelTtlMs?: number;
};

/** The gateway of one process. */
export type Gateway = {
  /** Validates, prices and authorizes an inference; throws a 4xx error before any hold is left behind. */
  runInference(parameters: RunInferenceParameters): Promise<InferenceRun>;
  /** Cached models and indexes (invalidate after a contribution is added). */
  models: ModelCache;
};

/** Whether the model serves inferences, as the chain last said (the model sync keeps the row current). */
export function modelStatus(model: Model): Model["status"] {
  return model.status;
}

/** The prompt as stored with the inference and hashed into its proof. */
export function promptText(messages: readonly ChatMessage[]): string {
  if (messages.length === 1 && messages[0].role === "user") return messages[0].content;
  return messages.map((m) => `${m.role}: ${m.content}`).join("\n\n");
}

/** Creates the gateway. */
export function createGateway(options: GatewayOptions): Gateway {
  const { db, payments } = options;
  const settings = options.config;
  const models = createModelCache({ db, ttlMs: options.modelTtlMs });
  const builtin = createBuiltinBackend();
  const k = options.retrievalK ?? CONTEXT_ABLATION_CALLS;

  function backendOf(model: Model): ModelBackend {
    return model.backendKind === "builtin" ? builtin : openAIBackendFor(model, settings as ServerConfig);
  }

  async function runInference(parameters: RunInferenceParameters): Promise<InferenceRun> {
    const { messages, signal } = parameters;
    const { maxPromptChars } = settings;
    const question = lastUserMessage(messages);
    if (!question.trim()) throw new InvalidInferenceRequestError("The messages need a user message with text.", "messages");
    const length = messages.reduce((n, m) => n + m.content.length, 0);
    if (length > maxPromptChars) throw new PromptTooLongError(length, maxPromptChars);
    // The prompt is stored with the inference: text PostgreSQL refuses (NUL, a lone surrogate in
    // jsonb) would fail the commit after the answer was served, and the answer would be free.
    if (messages.some((m) => unstorable(m.content))) {
      throw new InvalidInferenceRequestError("The messages must be Unicode text without NUL characters.", "messages");
    }
    const maxTokens = parameters.maxTokens ?? 256;
    if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 4096) {
      throw new InvalidInferenceRequestError("max_tokens must be an integer from 1 to 4096.", "max_tokens");
    }

    const entry = await models.get(parameters.modelId);
    const name = modelName(parameters.modelId);
    if (!entry) throw new ModelNotFoundError(name);
    const status = modelStatus(entry.model);
    if (status !== "active") throw new ModelInactiveError(name, status);
    // A missing backend key refuses here, before anything is held.
    const backend = backendOf(entry.model);
    const price = entry.model.price;
    const { ownerShareBps, owner } = entry.model;
    const protocolFeeBps = await (options.protocolFeeBps ?? (() => settings.protocolFeeBps))();
    // The split is computed after the answer; terms that admit no split would refuse it then.
    if (ownerShareBps + protocolFeeBps > 10_000) throw new ModelTermsInvalidError(name, ownerShareBps, protocolFeeBps);
    // The declared recipient of what the data does not explain (the model's card; default the owner).
    const unexplainedPool = entry.model.unexplainedPool ?? "owner";
    if (unexplainedPool === "treasury" && !options.treasury) throw new ModelTreasuryUnknownError(name);

    let started = performance.now();
    const hold = await payments.authorize({ ...parameters.auth, price });
    let paymentMs = performance.now() - started;

    // Whether the data speaks to the question at all is decided before any output: a question it
    // does not speak to is answered so, its hold released at once, and nothing is charged.
    started = performance.now();
    let context: ContextRecord[];
    let relevance: number;
    try {
      context = contextOf(entry, question, k);
      relevance = queryCoverage(
        entry.index,
        retrievalQuery(question),
        context.map((r) => r.id),
      );
    } catch (error) {
      await payments.release(hold.id);
      throw error;
    }
    const retrievalMs = performance.now() - started;
    if (relevance < MIN_RELEVANCE && !(entry.model.backendKind === "openai" && entry.model.answersWithoutRecords)) {
      await payments.release(hold.id);
      return unchargedRun(entry.model, {
        reason: "NO_RELEVANT_RECORDS",
        modelId: parameters.modelId,
        text: NOTHING_MATCHES,
        relevance,
        usage: usageOf(question),
      });
    }

    const prompt = promptText(messages);
    let state: "ready" | "running" | "committed" | "released" = "ready";
    let text = "";
    let delivered = false;
    let committed: CommittedInference | undefined;
    let chargeTried = false;
    let ending: Promise<void> | undefined;
    // Once output was delivered, the call is charged before its hold expires, however slowly the
    // client reads: a stream still open then is cut off and charged for the output so far.
    let deadline: ReturnType<typeof setTimeout> | undefined;

    /** Attributes `output` and splits the price (synchronous: the engine runs on this thread). */
    function attributed(output: string, contextInfluence: GenerateDone["contextInfluence"]) {
      const attribution = attribute({
        index: entry!.index,
        prompt,
        context: context.map((r) => r.id),
        output,
        price,
        ownerShareBps,
        protocolFeeBps,
        owner,
        contextInfluence,
        policy: { unexplainedPool },
        // Wash trading earns nothing: a payer quoted as a contributor gets no share of its own payment.
        payer: hold.payer,
        treasury: unexplainedPool === "treasury" ? options.treasury : undefined,
      });
      return { attribution, payouts: payoutsOf(attribution.proof.split) };
    }

    /** Commits `output` under the hold: the call is charged. Tried once. */
    async function charge(output: string, { attribution, payouts }: ReturnType<typeof attributed>): Promise<CommittedInference> {
      chargeTried = true;
      committed = await payments.commit(hold.id, {
        modelId: parameters.modelId,
        prompt,
        output,
        retrievedRecordIds: context.map((r) => r.id),
        attribution: { hash: attribution.hash, proof: attribution.proof },
        payouts,
      });
      state = "committed";
      return committed;
    }

    // How a run that did not reach its final event ends: free before any output reached the
    // client, charged for the output so far after.
    const end = () =>
      (ending ??= (async () => {
        clearTimeout(deadline);
        if (state === "committed" || state === "released") return;
        if (delivered && text && !chargeTried) {
          try {
            await charge(text, attributed(text, undefined));
            return;
          } catch (error) {
            console.error(`gateway: could not charge the interrupted inference of hold ${hold.id}`, error);
          }
        }
        state = "released";
        await payments.release(hold.id);
      })());

    async function* events(): AsyncGenerator<InferenceEvent> {
      if (state !== "ready") throw new Error("an inference runs once");
      state = "running";
      try {
        started = performance.now();
        let done: GenerateDone | undefined;
        for await (const event of backend.generate({ messages, context, maxTokens, signal })) {
          if ("done" in event) {
            done = event;
            break;
          }
          text += event.delta;
          yield { delta: event.delta };
          if (ending) throw new AnswerCutOffError();
        }
        if (signal?.aborted) throw new BackendAbortedError();
        if (!done) throw new BackendError("the model backend ended without finishing its answer");
        if (!text.trim() && !delivered) throw new BackendError("the model backend returned an empty answer");
        const backendMs = performance.now() - started;

        // Context ablation (an external backend whose terms ask for it): the endpoint answers again
        // with each retrieved record left out, and how much the answer changes is that record's
        // influence. A failed ablation call leaves the engine's own measure.
        const influence =
          done.contextInfluence ??
          (entry!.model.backendKind === "openai" && entry!.model.contextAblation && context.length > 0
            ? await ablate(backend, { messages, context, maxTokens, signal }, text)
            : undefined);

        started = performance.now();
        const cpuBefore = process.cpuUsage();
        const { attribution, payouts } = attributed(text, influence);
        const attributionMs = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        const attributionCpuMs = (cpu.user + cpu.system) / 1000;

        started = performance.now();
        const stored = await charge(text, { attribution, payouts });
        paymentMs += performance.now() - started;

        yield {
          done: {
            inferenceId: stored.id,
            settlementSeq: stored.settlementSeq,
            modelId: parameters.modelId,
            text,
            finishReason: done.finishReason,
            usage: done.usage,
            price,
            payer: stored.payer,
            attribution,
            payouts,
            timings: { paymentMs, retrievalMs, backendMs, attributionMs, attributionCpuMs },
          },
        };
      } finally {
        await end();
      }
    }

    return {
      model: entry.model,
      hold,
      events: events(),
      delivered: () => {
        if (delivered) return;
        delivered = true;
        const left = payments.holdExpiresAt(hold).getTime() - Date.now() - CHARGE_MARGIN_MS;
        deadline = setTimeout(() => void end(), Math.max(0, left));
        deadline.unref?.();
      },
      cancel: end,
      charged: () => committed,
    };
  }

  return { runInference, models };
}

/**
 * Leave-one-out context ablation: one more answer per retrieved record, with that record left
 * out; a record's influence is how far that answer moved from the original (1 − the F1 overlap
 * of their words). Undefined when a call fails: the engine then measures influence itself.
 */
async function ablate(
  backend: ModelBackend,
  request: { messages: readonly ChatMessage[]; context: readonly ContextRecord[]; maxTokens: number; signal?: AbortSignal },
  original: string,
): Promise<{ id: string; influence: number }[] | undefined> {
  try {
    const answers = [];
    for (const left of request.context) {
      const context = request.context.filter((r) => r !== left);
      answers.push({ id: left.id, text: (await collectAnswer(backend.generate({ ...request, context }))).text });
    }
    return answers.map(({ id, text }) => ({ id, influence: Math.max(0, 1 - wordOverlap(original, text)) }));
  } catch (error) {
    console.error(`gateway: context ablation failed, falling back to the engine's influence: ${(error as Error).message}`);
    return undefined;
  }
}

/** F1 overlap of two texts' word multisets (attribution tokens), 1 for the same words. */
export function wordOverlap(a: string, b: string): number {
  const counts = (text: string) => {
    const bag = new Map<string, number>();
    for (const token of tokenize(text)) bag.set(token.term, (bag.get(token.term) ?? 0) + 1);
    return bag;
  };
  const x = counts(a);
  const y = counts(b);
  const size = (bag: Map<string, number>) => [...bag.values()].reduce((sum, n) => sum + n, 0);
  const [nx, ny] = [size(x), size(y)];
  if (nx === 0 && ny === 0) return 1;
  let common = 0;
  for (const [term, n] of x) common += Math.min(n, y.get(term) ?? 0);
  return (2 * common) / (nx + ny);
}

/** The run of a question nothing is relevant to: its answer, then the uncharged result; no hold. */
function unchargedRun(model: Model, result: UnchargedResult): InferenceRun {
  async function* events(): AsyncGenerator<InferenceEvent> {
    yield { delta: result.text };
    yield { uncharged: result };
  }
  return { model, hold: null, events: events(), delivered: () => undefined, cancel: async () => undefined, charged: () => undefined };
}

/** Word counts standing in for token counts where no model ran. */
function usageOf(question: string): Usage {
  const count = (text: string) => text.split(/\s+/).filter(Boolean).length;
  return { promptTokens: count(question), completionTokens: count(NOTHING_MATCHES) };
}

/** Runs an inference to its end and returns the result (for non-streamed answers). */
export async function completeInference(run: InferenceRun): Promise<InferenceResult | UnchargedResult> {
  try {
    for await (const event of run.events) {
      if ("done" in event) return event.done;
      if ("uncharged" in event) return event.uncharged;
    }
    throw new BackendError("the inference ended without a result");
  } finally {
    await run.cancel();
  }
}

function contextOf(entry: ModelEntry, question: string, k: number): ContextRecord[] {
  return retrieve(entry.index, retrievalQuery(question), { k }).map((r) => ({
    id: r.id,
    text: entry.texts.get(r.id) ?? "",
    score: r.score,
  }));
}

/** The split's payees with their amounts, one entry per address (an owner who also contributed gets one). */
function payoutsOf(split: readonly SplitPart[]): Payout[] {
  const byPayee = new Map<string, Payout>();
  for (const part of split) {
    if (part.role === "protocol" || !part.address || part.amount === 0n) continue;
    const payee = getAddress(part.address);
    const known = byPayee.get(payee);
    if (known) known.amount += part.amount;
    else byPayee.set(payee, { payee, amount: part.amount });
  }
  return [...byPayee.values()];
}
