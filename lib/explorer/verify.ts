/**
 * Re-checks a stored inference's split: rebuilds the attribution index from the records as
 * they stood when it was served, re-runs the engine on the stored prompt, context and answer,
 * and compares the result with the stored proof, its hash and the payouts sent on chain.
 */
import { getAddress, type Hex } from "viem";
import { getModel, recordsOfDatanets } from "@/db/marketplace";
import {
  AttributionError,
  type AttributionPolicy,
  type AttributionProof,
  buildIndex,
  ENGINE_VERSION,
  hashProof,
  isEngineVersion,
  verifyAttribution,
} from "@/lib/attribution";
import { recordId } from "@/lib/inference/model-cache";
import type { MarketplaceSource } from "@/lib/marketplace/source";
import type { InferenceRef } from "./ids";
import { loadInferenceRow } from "./inference";
import { parseStoredProof, type StoredProof } from "./proof";
import type { VerifyIndexCache } from "./verify-indexes";

/** The verdict of {@link verifyInference}. */
export type InferenceVerification = {
  /** True when every check below passed. */
  valid: boolean;
  /** The hash stored with the inference (and settled on chain). */
  storedHash: Hex;
  /** The hash of a fresh attribution from the stored inputs, or null when it could not run. */
  recomputedHash: Hex | null;
  /** Top-level proof fields where the fresh attribution differs from the stored proof. */
  differences: string[];
  /** Each check, for a reader to see what failed. */
  checks: {
    /** The stored proof hashes to the stored hash. */
    proofMatchesHash: boolean;
    /** Recomputing from the stored inputs gives the stored proof. */
    recomputed: boolean;
    /** The payouts sent to the market are the proof's split (less the protocol fee). */
    payoutsMatchSplit: boolean;
    /** The split sums to the price charged. */
    splitSumsToPrice: boolean;
  };
  /** Why the recomputation could not run, when it could not. */
  problem: string | null;
};

/** What Verify reads: the marketplace's source, and the indexes it rebuilt before (the server root's). */
export type VerifySource = Pick<MarketplaceSource, "db"> & {
  /** Indexes rebuilt by Verify, kept for the next verification over the same records. */
  verifyIndexes: VerifyIndexCache;
};

/** Re-runs the attribution of a stored inference over an index from `verifyIndexes`; throws InferenceNotFoundError. */
export async function verifyInference({ db, verifyIndexes }: VerifySource, ref: InferenceRef): Promise<InferenceVerification> {
  const row = await loadInferenceRow(db, ref);
  const proof = parseStoredProof(row.attribution);
  type Checks = InferenceVerification["checks"];
  const verdict = (
    problem: string | null,
    checks: Partial<Checks>,
    fresh?: { hash: Hex; differences: string[] },
  ): InferenceVerification => {
    const all: Checks = {
      proofMatchesHash: proof !== null && hashOf(row.attribution) === row.attributionHash,
      recomputed: false,
      payoutsMatchSplit: false,
      splitSumsToPrice: false,
      ...checks,
    };
    return {
      valid: problem === null && Object.values(all).every(Boolean),
      storedHash: row.attributionHash,
      recomputedHash: fresh?.hash ?? null,
      differences: fresh?.differences ?? [],
      checks: all,
      problem,
    };
  };
  if (!proof) return verdict("The stored proof is not a readable attribution proof.", {});

  const splitChecks = {
    payoutsMatchSplit: samePayouts(
      row.payees.map((payee, i) => ({ payee, amount: row.amounts[i] })),
      proof.split,
    ),
    splitSumsToPrice: proof.split.reduce((s, p) => s + p.amount, 0n) === row.price,
  };

  const model = await getModel(db, row.modelId);
  if (!model) return verdict(`Model ${row.modelId} is not stored, so its records cannot be read.`, splitChecks);
  // The index the gateway used held the records published up to then: the first ones in on-chain order.
  const corpus = await recordsOfDatanets(db, model.datanetIds);
  if (corpus.length < proof.index.records) {
    return verdict(`The proof was computed over ${proof.index.records} records; only ${corpus.length} are stored.`, splitChecks);
  }
  try {
    // The index is built as the proof's engine version builds it (terms, copies): an old proof's
    // snapshot id is that of an old index.
    const engine = isEngineVersion(proof.engine) ? proof.engine : ENGINE_VERSION;
    const index = verifyIndexes.get(`${model.datanetIds.join(",")}@${proof.index.records}@${engine}`, () =>
      buildIndex(
        corpus
          .slice(0, proof.index.records)
          .map((r) => ({ id: recordId(r.contributionId, r.position), contributor: r.contributor, text: r.text })),
        { engine },
      ),
    );
    const fresh = verifyAttribution(
      {
        index,
        prompt: row.prompt,
        context: row.retrievedRecordIds,
        output: row.output,
        price: row.price,
        // The terms in force when it was served are those the proof declares; recomputing
        // shows whether the declared terms and inputs give the declared split.
        ownerShareBps: proof.input.ownerShareBps,
        protocolFeeBps: proof.input.protocolFeeBps,
        owner: getAddress(proof.input.owner),
        policy: proof.policy as Partial<AttributionPolicy>,
        contextInfluence: proof.input.contextInfluence ?? undefined,
        // The treasury a "treasury" policy paid is the unexplained part's payee; recomputing checks the rest.
        treasury: treasuryOf(proof),
        // Version 2 proofs name the payer whose own contributions earned nothing from it.
        ...(proof.input.payer ? { payer: getAddress(proof.input.payer) } : {}),
      },
      row.attribution as AttributionProof,
    );
    return verdict(null, { ...splitChecks, recomputed: fresh.valid && fresh.hash === row.attributionHash }, fresh);
  } catch (error) {
    if (error instanceof AttributionError) return verdict(`The stored inputs cannot be attributed: ${error.message}`, splitChecks);
    throw error;
  }
}

/** The payee of the unexplained part under a "treasury" policy (the address the recomputation must pay it). */
function treasuryOf(proof: StoredProof): Hex | undefined {
  if (proof.policy.unexplainedPool !== "treasury") return undefined;
  const payee = proof.split.find((p) => p.role === "unexplained")?.address;
  return payee ? getAddress(payee) : undefined;
}

function hashOf(proof: unknown): Hex | null {
  try {
    return hashProof(proof as AttributionProof);
  } catch {
    return null;
  }
}

/** The payouts equal the split's non-protocol parts merged per address, as the gateway sends them. */
function samePayouts(
  payouts: { payee: string; amount: bigint | undefined }[],
  split: { role: string; address?: string; amount: bigint }[],
): boolean {
  const expected = new Map<string, bigint>();
  for (const part of split) {
    if (part.role === "protocol" || !part.address || part.amount === 0n) continue;
    const key = part.address.toLowerCase();
    expected.set(key, (expected.get(key) ?? 0n) + part.amount);
  }
  if (expected.size !== payouts.length) return false;
  return payouts.every((p) => p.amount !== undefined && expected.get(p.payee.toLowerCase()) === p.amount);
}
