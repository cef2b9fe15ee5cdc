/** A model's status as the registry sets it, in every answer that carries one (the indexer's and /api/v1's). */
import { maxUint256 } from "viem";
import { z } from "zod";
import { addressSchema, decimalUint256Schema, onChainIdSchema } from "./primitives";
import { textField } from "./records";

/** Active models take paid inferences; paused and retired ones are refused. */
export const modelStatusSchema = z.enum(["active", "paused", "retired"]);

/** Largest uint128: the registry stores prices as uint128. */
export const MAX_PRICE = (1n << 128n) - 1n;

/** Most datanets a model may draw on (the registry's MAX_MODEL_DATANETS). */
export const MAX_MODEL_DATANETS = 32;

/**
 * Highest owner share in basis points (the registry's MAX_OWNER_BPS): 100% minus the highest fee
 * the market can charge, so an owner share plus the protocol fee never exceeds the price.
 */
export const MAX_OWNER_BPS = 9_000;

/** Where a model's answers come from. */
export const modelBackendSchema = z.discriminatedUnion("kind", [
  /** The built-in retrieval-grounded engine that ships with Upstream. */
  z.strictObject({ kind: z.literal("builtin") }),
  /** An OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, a hosted API). */
  z.strictObject({
    kind: z.literal("openai"),
    /** Base URL, e.g. http://127.0.0.1:11434/v1. */
    baseUrl: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }),
    /** Model name at the backend, e.g. "llama3.2". */
    model: textField(200, 1),
    /** Name of the server's `BACKEND_KEY_<NAME>` variable holding its API key — never the key. */
    keyName: z
      .string()
      .regex(/^[A-Z0-9_]+$/, "must be A-Z, 0-9 and _ (the <NAME> of BACKEND_KEY_<NAME>)")
      .optional(),
    /**
     * Asked (and charged) even when nothing in the datanets is relevant to the question; off, such
     * a question is answered that nothing matches, free.
     */
    answersWithoutRecords: z.boolean().optional(),
    /**
     * Context ablation: after each answer, the endpoint is asked again once per retrieved record
     * with that record left out (`CONTEXT_ABLATION_CALLS` extra calls, the owner's cost), and how
     * much each answer changes is the record's influence.
     */
    contextAblation: z.boolean().optional(),
  }),
]);

/** A model's backend after validation. */
export type ModelBackend = z.output<typeof modelBackendSchema>;

/** What a model's owner says about it. */
export const modelMetadataSchema = z.strictObject({
  /** Display name. */
  name: textField(100, 1),
  /** One paragraph for listings. */
  description: textField(4000).default(""),
  /** Markdown model card: what the model is, what it draws on, its limits. */
  modelCard: textField(20_000).default(""),
  /** Where its answers come from. */
  backend: modelBackendSchema,
  /**
   * Who is paid the part of the data pool the records do not explain (lib/attribution,
   * `unexplainedPool`): "owner" or "treasury" (the deployment's treasury). Part of the model's
   * off-chain terms; absent means the engine's default, the owner.
   */
  unexplainedPool: z.enum(["owner", "treasury"]).optional(),
});

/** A model's metadata after validation. */
export type ModelMetadata = z.output<typeof modelMetadataSchema>;

const uintString = (name: string, max: bigint) =>
  z.union([decimalUint256Schema, z.bigint().nonnegative()]).refine((v) => v <= max, `${name} is too large`);

/** A model's terms as a publisher proposes them (decimal strings for amounts). */
export const modelTermsSchema = z.strictObject({
  /** Price of one inference in token units (6 decimals: 2000 = 0.002 USD). */
  price: uintString("price", MAX_PRICE).refine((v) => v > 0n, "price must be above zero"),
  /** The owner's share of each price in basis points; the rest goes to the data pool. */
  ownerShareBps: z
    .number()
    .int()
    .min(0)
    .max(MAX_OWNER_BPS, `the owner share is at most ${MAX_OWNER_BPS} bps: with the protocol fee it must not exceed 100%`),
  /** The datanets the model draws on (1..32, distinct). */
  datanetIds: z
    .array(uintString("datanet id", maxUint256))
    .min(1, "a model draws on at least one datanet")
    .max(MAX_MODEL_DATANETS, `a model draws on at most ${MAX_MODEL_DATANETS} datanets`)
    .refine((ids) => new Set(ids).size === ids.length, "datanet ids must be distinct"),
  /** Stake in token units. */
  stake: uintString("stake", maxUint256),
});

/** A model's terms after validation. */
export type ModelTerms = z.output<typeof modelTermsSchema>;

/** `POST /api/models`'s answer: the metadata and terms as validated, the metadata URI, the minimum stake and the call. */
export const modelDraftAnswerSchema = z.object({
  metadata: modelMetadataSchema,
  terms: z.object({
    price: decimalUint256Schema,
    ownerShareBps: z.number().int(),
    datanetIds: z.array(onChainIdSchema),
    stake: decimalUint256Schema,
  }),
  metadataUri: z.string(),
  minStake: decimalUint256Schema,
  token: addressSchema,
  call: z.object({ address: addressSchema, functionName: z.string(), args: z.array(z.unknown()) }),
});

/** `POST /api/models/confirm`'s answer: the stored model. */
export const publishedModelSchema = z.object({ id: onChainIdSchema, owner: addressSchema, backendId: z.string() });

/** The backend id anchored on chain: "builtin" or "openai:<model>". */
export function backendIdOf(backend: ModelBackend): string {
  return backend.kind === "builtin" ? "builtin" : `openai:${backend.model}`;
}
