/**
 * The one call the gateway, the explorer's Verify and the command line use: attribute an
 * output to the records of an index and split its price, with a canonical proof and its hash.
 */
import { getAddress, isAddress } from "viem/utils";
import { z } from "zod";
import { canonicalJson, hashText } from "./canonical-json";
import { type DatanetIndex, encodeText, originalOf, recordAt, recordNumber, snapshotId } from "./datanet-index";
import { InvalidAttributionInputError, UnknownRecordError } from "./errors";
import { spanLeaveOneOut } from "./influence";
import { englishReference } from "./informativeness";
import { findSpans, type SpanResult } from "./spans";
import { splitPrice } from "./split";
import type {
  Address,
  Attribution,
  AttributionPolicy,
  AttributionProof,
  BackendInfluence,
  DuplicateCredit,
  Hex,
  RecordScore,
  UnexplainedPoolPolicy,
  VerifyResult,
} from "./types";

import { behaviourOf, ENGINE_VERSION, ENGINE_VERSIONS, type EngineVersion, isEngineVersion } from "./versions";

export { ENGINE_VERSION } from "./versions";

/** The policy used for fields a caller leaves out. */
export const DEFAULT_POLICY: AttributionPolicy = {
  minSpanTokens: 6,
  commonRecordFraction: 0.02,
  commonMinRecords: 20,
  contextWeight: 0.5,
  minInfluence: 0.01,
};

// Scores become integer weights for the split with this resolution (2^48 < 2^53: exact).
const WEIGHT_SCALE = 2 ** 48;

/** Where the unexplained pool goes when the model's terms do not say (engine version 2). */
export const DEFAULT_UNEXPLAINED_POOL: UnexplainedPoolPolicy = "owner";

const policyFields = {
  minSpanTokens: z.number().int().min(1).max(1000),
  commonRecordFraction: z.number().min(0).max(1),
  commonMinRecords: z.number().int().min(1),
  contextWeight: z.number().min(0).max(1),
  minInfluence: z.number().min(0).max(1),
  maxContributorShareBps: z.number().int().min(1).max(10_000).optional(),
  reference: z
    .string()
    .regex(/^0x[0-9a-f]{64}$/)
    .optional(),
};
// Version 1 has no unexplained pool: its proofs never name one.
const policySchemaV1 = z.object(policyFields).strict();
const policySchema = z.object({ ...policyFields, unexplainedPool: z.enum(["owner", "treasury"]) }).strict();

const address = z.string().refine((a) => isAddress(a, { strict: false }), "not an address");

const inputSchema = z.object({
  prompt: z.string(),
  context: z.array(z.string()),
  output: z.string(),
  price: z.bigint().nonnegative(),
  ownerShareBps: z.number().int().min(0).max(10_000),
  protocolFeeBps: z.number().int().min(0).max(10_000),
  owner: address,
  contextInfluence: z.array(z.object({ id: z.string(), influence: z.number().refine(Number.isFinite, "must be finite") })).optional(),
  treasury: address.optional(),
  payer: address.optional(),
});

/** Fills in and validates a policy for an engine version (default the newest). */
export function resolvePolicy(policy: Partial<AttributionPolicy> = {}, engine: EngineVersion = ENGINE_VERSION): AttributionPolicy {
  const parsed = behaviourOf(engine).explainedPool
    ? policySchema.safeParse({ ...DEFAULT_POLICY, unexplainedPool: DEFAULT_UNEXPLAINED_POOL, ...policy })
    : policySchemaV1.safeParse({ ...DEFAULT_POLICY, ...policy });
  if (!parsed.success) throw new InvalidAttributionInputError(`invalid policy: ${parsed.error.issues.map(describeIssue).join("; ")}`);
  return parsed.data as AttributionPolicy;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  return `${issue.path.join(".") || "input"}: ${issue.message}`;
}

/** Everything `attribute` needs. */
export type AttributeInput = {
  /** The index of the model's datanet records. */
  index: DatanetIndex;
  /** The prompt (only its hash enters the proof). */
  prompt: string;
  /** Ids of the records retrieved into the model's context, in retrieval order. */
  context: readonly string[];
  /** The model's output. */
  output: string;
  /** Price of the inference in the token's smallest unit. */
  price: bigint;
  /** Model owner's share of the price in basis points. */
  ownerShareBps: number;
  /** Protocol fee in basis points. */
  protocolFeeBps: number;
  /** Model owner's address (version 1 also pays it the contributors' pool when nobody earned credit). */
  owner: Address;
  /** The address paid the unexplained pool under the `treasury` policy (engine version 2); required then, refused otherwise. */
  treasury?: Address;
  /**
   * Who paid for the inference (engine version 2): as a contributor it gets no data-pool share
   * from its own payment — that share is unexplained (wash trading earns nothing). Version 1
   * ignores it.
   */
  payer?: Address;
  /** Policy overrides; omitted fields take the defaults. */
  policy?: Partial<AttributionPolicy>;
  /** Per-record influence measured by a backend; replaces the span leave-one-out. */
  contextInfluence?: readonly BackendInfluence[];
  /**
   * The engine version to compute with: default the index's (`IndexOptions.engine`, itself the
   * newest, {@link ENGINE_VERSION}, unless chosen); Verify builds the index with the proof's.
   */
  engine?: EngineVersion;
};

/**
 * Attributes `output` to the records of `index` and splits `price`.
 * Deterministic: the same input always gives the same proof and hash.
 */
export function attribute(input: AttributeInput): Attribution {
  const proof = computeProof(input);
  return { proof, hash: hashProof(proof) };
}

/** keccak256 of the canonical JSON of a proof. */
export function hashProof(proof: AttributionProof): Hex {
  return hashText(canonicalJson(proof));
}

/**
 * Recomputes the attribution from `input` and compares it with `proof`: the proof object (also
 * as parsed back from its JSON, amounts as decimal strings) or just its hash.
 */
export function verifyAttribution(input: AttributeInput, proof: AttributionProof | Hex): VerifyResult {
  if (typeof proof === "string") {
    // A bare hash does not say its version: the newest that reproduces it, else the newest's answer.
    const wanted = proof.toLowerCase();
    const versions = input.engine ? [input.engine] : [...ENGINE_VERSIONS].reverse();
    let newest: Attribution | undefined;
    for (const engine of versions) {
      let fresh: Attribution;
      try {
        fresh = attribute({ ...input, engine });
      } catch (error) {
        // An older version may not know an input the newer ones take (an unexplained-pool policy).
        if (newest && error instanceof InvalidAttributionInputError) continue;
        throw error;
      }
      newest ??= fresh;
      if (fresh.hash === wanted) return { valid: true, hash: fresh.hash, differences: [] };
    }
    return { valid: false, hash: newest!.hash, differences: ["hash"] };
  }
  const claimed = (proof as Partial<AttributionProof>).engine;
  if (!isEngineVersion(claimed)) {
    const fresh = attribute(input);
    return { valid: false, hash: fresh.hash, differences: ["engine"] };
  }
  const fresh = attribute({ ...input, engine: input.engine ?? claimed });
  const differences = (Object.keys(fresh.proof) as (keyof AttributionProof)[]).filter(
    (key) => canonicalJson(fresh.proof[key]) !== canonicalJson((proof as Partial<AttributionProof>)[key] ?? null),
  );
  return { valid: differences.length === 0 && hashProof(proof) === fresh.hash, hash: fresh.hash, differences };
}

function computeProof(input: AttributeInput): AttributionProof {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw new InvalidAttributionInputError(parsed.error.issues.map(describeIssue).join("; "));
  if (input.ownerShareBps + input.protocolFeeBps > 10_000) {
    throw new InvalidAttributionInputError("ownerShareBps + protocolFeeBps must not exceed 10000");
  }
  // By default the version the index was built for (the newest unless built for an older proof).
  const engine = input.engine ?? input.index.options.engine ?? ENGINE_VERSION;
  if (!isEngineVersion(engine)) throw new InvalidAttributionInputError(`unknown engine version ${String(engine)}`);
  const behaviour = behaviourOf(engine);
  const policy = resolvePolicy(input.policy, engine);
  if (behaviour.referenceInformativeness) {
    // The reference English is part of the computation: the proof names it.
    const reference = englishReference().hash;
    if (policy.reference !== undefined && policy.reference !== reference) {
      throw new InvalidAttributionInputError(`the policy's reference English ${policy.reference} is not this engine's (${reference})`);
    }
    policy.reference = reference;
  }
  const unexplainedTo = unexplainedRecipient(policy, input);
  const { index } = input;
  const owner = getAddress(input.owner);

  const output = encodeText(index, input.output);
  const contextRecords = input.context.map((id) => {
    const n = recordNumber(index, id);
    if (n < 0) throw new UnknownRecordError(id);
    return n;
  });

  // An output with no words (empty, punctuation only) was still paid for: it credits no record,
  // so the contributors' pool is unexplained (version 1: goes to the owner), like any output that copied nothing.
  const empty = output.ids.length === 0;
  const prompt = behaviour.promptEcho ? encodeText(index, input.prompt).ids : undefined;
  const { spans, credit, commonTokens, copies } = empty ? nothingFound() : findSpans(index, output, policy, behaviour, prompt);
  const influence = empty
    ? new Map<number, number>()
    : input.contextInfluence
      ? backendInfluence(index, input.contextInfluence, contextRecords)
      : spanLeaveOneOut(index, output.ids, contextRecords, policy.minSpanTokens, commonTokens, behaviour.earliestContextInfluence);

  const shares = behaviour.explainedPool
    ? explainedShares(credit, influence, policy, output.ids.length, input.contextInfluence !== undefined)
    : combineShares(credit, influence, policy);

  // Per contributor weights from the final shares; version 2 pays the payer nothing for its own payment.
  const selfPaid = behaviour.selfPaidExcluded && input.payer ? getAddress(input.payer) : undefined;
  const byContributor = new Map<Address, bigint>();
  for (const [record, share] of shares) {
    if (share <= 0) continue;
    const contributor = recordAt(index, record).contributor;
    if (selfPaid && getAddress(contributor) === selfPaid) continue;
    byContributor.set(contributor, (byContributor.get(contributor) ?? 0n) + BigInt(Math.round(share * WEIGHT_SCALE)));
  }
  const split = splitPrice({
    price: input.price,
    ownerShareBps: input.ownerShareBps,
    protocolFeeBps: input.protocolFeeBps,
    owner,
    contributors: [...byContributor].filter(([, w]) => w > 0n).map(([a, weight]) => ({ address: a, weight })),
    maxContributorShareBps: policy.maxContributorShareBps,
    unexplained: unexplainedTo ? { address: unexplainedTo, denominator: BigInt(WEIGHT_SCALE) } : undefined,
  });

  const touched = new Set<number>([...credit.keys(), ...influence.keys()]);
  const records: RecordScore[] = [...touched]
    .filter((r) => (credit.get(r) ?? 0) > 0 || (influence.get(r) ?? 0) > 0)
    .map((r) => ({
      id: recordAt(index, r).id,
      contributor: recordAt(index, r).contributor,
      spanCredit: credit.get(r) ?? 0,
      contextInfluence: influence.get(r) ?? 0,
      score: shares.get(r) ?? 0,
    }))
    .sort((a, b) => (b.score !== a.score ? b.score - a.score : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const duplicateSet = new Map<number, number>();
  for (const c of copies) duplicateSet.set(c, originalOf(index, c));
  for (const r of contextRecords) if (originalOf(index, r) !== r) duplicateSet.set(r, originalOf(index, r));
  const duplicates: DuplicateCredit[] = [...duplicateSet]
    .sort((a, b) => a[0] - b[0])
    .map(([copy, original]) => ({ id: recordAt(index, copy).id, original: recordAt(index, original).id }));

  return {
    engine: behaviour.version,
    policy,
    index: { snapshot: snapshotId(index), records: index.recordCount, tokens: index.tokenCount },
    input: {
      promptHash: hashText(input.prompt),
      outputHash: hashText(input.output),
      outputTokens: output.ids.length,
      context: [...input.context],
      contextInfluence: input.contextInfluence ? input.contextInfluence.map((c) => ({ id: c.id, influence: c.influence })) : null,
      price: input.price,
      ownerShareBps: input.ownerShareBps,
      protocolFeeBps: input.protocolFeeBps,
      owner,
      ...(behaviour.selfPaidExcluded ? { payer: input.payer ? getAddress(input.payer) : null } : {}),
    },
    spans,
    duplicates,
    records,
    split,
  };
}

function nothingFound(): SpanResult {
  return { spans: [], credit: new Map(), commonTokens: new Uint8Array(0), copies: [] };
}

function backendInfluence(index: DatanetIndex, measured: readonly BackendInfluence[], contextRecords: number[]): Map<number, number> {
  const allowed = new Set(contextRecords);
  const influence = new Map<number, number>();
  for (const m of measured) {
    const r = recordNumber(index, m.id);
    if (r < 0 || !allowed.has(r)) throw new InvalidAttributionInputError(`backend influence for ${m.id}, which is not a context record`);
    const o = originalOf(index, r);
    influence.set(o, (influence.get(o) ?? 0) + Math.max(0, m.influence));
  }
  return influence;
}

/**
 * Final share per original record: span credit and context influence each normalized to 1,
 * mixed by `contextWeight` when both exist; shares under `minInfluence` are dropped and the
 * rest renormalized.
 */
function combineShares(
  credit: Map<number, number>,
  influence: Map<number, number>,
  policy: AttributionPolicy,
  renormalize = true,
): Map<number, number> {
  const spanTotal = sumInOrder(credit);
  const contextTotal = sumInOrder(influence);
  const w = spanTotal > 0 && contextTotal > 0 ? policy.contextWeight : contextTotal > 0 ? 1 : 0;
  const raw = new Map<number, number>();
  const records = [...new Set([...credit.keys(), ...influence.keys()])].sort((a, b) => a - b);
  for (const r of records) {
    const s = spanTotal > 0 ? (credit.get(r) ?? 0) / spanTotal : 0;
    const c = contextTotal > 0 ? (influence.get(r) ?? 0) / contextTotal : 0;
    const share = (1 - w) * s + w * c;
    if (share > 0) raw.set(r, share);
  }
  const kept = new Map([...raw].filter(([, share]) => share >= policy.minInfluence));
  const keptTotal = sumInOrder(kept);
  const shares = new Map<number, number>();
  for (const r of records) shares.set(r, kept.has(r) ? (renormalize ? kept.get(r)! / keptTotal : kept.get(r)!) : 0);
  return shares;
}

/** The recipient of the unexplained pool under a version-2 policy (undefined under version 1). */
function unexplainedRecipient(policy: AttributionPolicy, input: AttributeInput): Address | undefined {
  if (policy.unexplainedPool === undefined) {
    if (input.treasury !== undefined)
      throw new InvalidAttributionInputError("treasury is only used by engine versions with an unexplained pool");
    return undefined;
  }
  if (policy.unexplainedPool === "treasury") {
    if (input.treasury === undefined)
      throw new InvalidAttributionInputError('the unexplainedPool policy "treasury" needs a treasury address');
    return getAddress(input.treasury);
  }
  if (input.treasury !== undefined)
    throw new InvalidAttributionInputError('treasury is only used with the unexplainedPool policy "treasury"');
  return getAddress(input.owner);
}

/**
 * Version 2 (`explainedPool`): each record's share of the contributors' pool is its part of the
 * output the data explains. The records' relative shares are version 1's (span credit and context
 * influence each normalized and mixed by `contextWeight`; under `minInfluence` nothing), scaled
 * by the explained part: Σ span credit / output tokens (tokens credited to a rare span, each
 * weighted by its rarity), or, when no span earned credit, the context's — the span
 * leave-one-out's tokens / output tokens, and 1 for a backend's own measurement (the owner runs
 * the backend; overstating it only pays the contributors more). Shares sum to at most 1; the rest
 * is the unexplained pool, and a share dropped under `minInfluence` goes there, not to the others.
 */
function explainedShares(
  credit: Map<number, number>,
  influence: Map<number, number>,
  policy: AttributionPolicy,
  outputTokens: number,
  backend: boolean,
): Map<number, number> {
  const relative = combineShares(credit, influence, policy, false);
  const spanTotal = sumInOrder(credit);
  const contextTotal = sumInOrder(influence);
  const explained =
    outputTokens === 0 ? 0 : spanTotal > 0 ? spanTotal / outputTokens : contextTotal > 0 ? (backend ? 1 : contextTotal / outputTokens) : 0;
  const fraction = Math.min(1, explained);
  const shares = new Map<number, number>();
  for (const [r, share] of relative) shares.set(r, share * fraction);
  return shares;
}

// Sums in ascending record order so the floating-point result never depends on insertion order.
function sumInOrder(values: Map<number, number>): number {
  return [...values].sort((a, b) => a[0] - b[0]).reduce((s, [, v]) => s + v, 0);
}
