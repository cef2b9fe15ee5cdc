/**
 * The explorer's reads and re-check over a real stored inference: a model seeded with real
 * text, a permit on a real anvil market, one paid inference through the gateway (built-in
 * engine, real attribution, payments commit), then the settler putting it on chain.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { getModel, recordsOfDatanets } from "@/db/marketplace";
import { inferences } from "@/db/schema";
import { testDatabases } from "@/db/testing";
import { type AttributionProof, attribute, buildIndex, ENGINE_VERSION_1 } from "@/lib/attribution";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { completeInference, createGateway, type InferenceResult } from "@/lib/inference/gateway";
import { recordId } from "@/lib/inference/model-cache";
import { mobyDickTexts, seedTwoContributorModel } from "@/lib/inference/testing/seed";
import type { MarketplaceSource } from "@/lib/marketplace/source";
import { openTestDb, paymentsFor } from "@/lib/payments/testing";
import { createSettler } from "@/lib/settlement";
import {
  createVerifyIndexCache,
  getInferenceDetail,
  InferenceNotFoundError,
  InvalidInferenceIdError,
  parseInferenceRef,
  type VerifySource,
  verifyInference,
} from "./index";

const FEE_BPS = 250;
const PRICE = 10_000n;
const OWNER = devAccounts[7].address;
const CONTRIBUTORS = [devAccounts[8].address, devAccounts[9].address] as const;
const PAYER = 2;

let fixture: MarketFixture;
let handle: DbHandle;
let source: MarketplaceSource & VerifySource;
let ask: (payer: number, question: string) => Promise<InferenceResult>;

beforeAll(async () => {
  fixture = await startMarketFixture({ feeBps: FEE_BPS });
  handle = await openTestDb(testDatabases()[0]);
  source = { db: handle.db, indexer: null, verifyIndexes: createVerifyIndexCache() };
  await seedTwoContributorModel(handle.db, {
    owner: OWNER,
    price: PRICE,
    contributors: CONTRIBUTORS,
    texts: mobyDickTexts(0, 4),
    split: 60,
  });
  const payments = paymentsFor(handle.db, fixture, { balanceCacheMs: 0 });
  const gateway = createGateway({
    db: handle.db,
    payments,
    config: { maxPromptChars: 4_000, protocolFeeBps: FEE_BPS, backendKeys: {} },
  });
  let nonce = 1n;
  ask = async (payer, question) => {
    await fixture.fund(payer, 100_000n);
    const signed = await fixture.signPermit(payer, { cap: 100_000n, expiry: (await fixture.now()) + 3_600n, nonce: nonce++ });
    const permit = await payments.registerPermit({
      ...signed,
      cap: signed.cap.toString(),
      expiry: signed.expiry.toString(),
      nonce: signed.nonce.toString(),
    });
    const run = await gateway.runInference({
      modelId: 1n,
      messages: [{ role: "user", content: question }],
      auth: { payer: devAccounts[payer].address, permitId: permit.id },
    });
    const result = await completeInference(run);
    if (!("inferenceId" in result)) throw new Error(`not charged: ${result.reason}`);
    return result;
  };
});
afterAll(async () => {
  await handle?.close();
  await fixture?.stop();
});

describe("the explorer", () => {
  let served: InferenceResult;
  beforeAll(async () => {
    served = await ask(PAYER, "Why does Ishmael go to sea, and what does he say of whaling voyages?");
  });

  it("shows what was asked and answered, the credited spans, the records and a split that sums to the price", async () => {
    const detail = await getInferenceDetail(source, parseInferenceRef(served.inferenceId));
    expect(detail).toMatchObject({ id: served.inferenceId, onChainId: served.settlementSeq.toString(), price: PRICE, output: served.text });
    expect(detail.model).toEqual({ id: "1", name: "Model 1", owner: OWNER.toLowerCase() });

    const credited = detail.spans.filter((s) => !s.common);
    expect(credited.length).toBeGreaterThan(0);
    for (const span of credited) {
      expect(span.charEnd).toBeLessThanOrEqual(detail.output.length);
      // The built-in engine quotes records verbatim: each credited span is in its record's text.
      for (const record of span.records) {
        const text = detail.records.find((r) => r.id === record.id)?.text ?? "";
        expect(text).toContain(detail.output.slice(span.charStart, span.charEnd));
        expect(CONTRIBUTORS.map((c) => c.toLowerCase())).toContain(record.contributor?.toLowerCase());
      }
    }
    const retrieved = detail.records.filter((r) => r.retrievedRank !== null);
    expect(retrieved.map((r) => r.id)).toEqual((await rowOf(served.inferenceId)).retrievedRecordIds);
    expect(detail.records.some((r) => r.score > 0)).toBe(true);

    expect(detail.splitTotal).toBe(PRICE);
    expect(detail.split.find((p) => p.role === "protocol")?.amount).toBe((PRICE * BigInt(FEE_BPS)) / 10_000n);
    // The part the records do not explain is explicit, with the recipient the declared policy names.
    expect(detail.unexplainedPool).toBe("owner");
    expect(detail.split.find((p) => p.role === "unexplained")?.address?.toLowerCase()).toBe(detail.model.owner?.toLowerCase());
    expect(detail.payouts.reduce((s, p) => s + p.amount, 0n)).toBe(PRICE - (PRICE * BigInt(FEE_BPS)) / 10_000n);
    expect(detail.settlement).toMatchObject({ status: "pending", outbox: { status: "pending" } });
    expect(detail.selfPaid).toEqual({ total: PRICE, selfPaid: 0n });
  });

  it("finds the inference by its on-chain id too, and refuses ids that are neither", async () => {
    const byChainId = await getInferenceDetail(source, parseInferenceRef(served.settlementSeq.toString()));
    expect(byChainId.id).toBe(served.inferenceId);
    expect(() => parseInferenceRef("not-an-id")).toThrow(InvalidInferenceIdError);
    expect(() => parseInferenceRef("01")).toThrow(InvalidInferenceIdError);
    await expect(getInferenceDetail(source, parseInferenceRef("00000000-0000-4000-8000-000000000000"))).rejects.toThrow(
      InferenceNotFoundError,
    );
    await expect(verifyInference(source, parseInferenceRef("999999"))).rejects.toThrow(InferenceNotFoundError);
  });

  it("re-runs the attribution from the stored inputs and finds the stored proof and hash", async () => {
    const verdict = await verifyInference(source, parseInferenceRef(served.inferenceId));
    expect(verdict).toMatchObject({
      valid: true,
      storedHash: served.attribution.hash,
      recomputedHash: served.attribution.hash,
      differences: [],
      problem: null,
    });
  });

  it("shows the settlement on chain once the settler has drained the outbox", async () => {
    const settler = createSettler({
      db: handle.db,
      walletClient: fixture.wallet(1),
      publicClient: fixture.client,
      deployment: fixture.deployment,
      batchSize: 10,
      maxWaitMs: 0,
    });
    try {
      await settler.drainOnce();
    } finally {
      await settler.stop();
    }
    const { settlement } = await getInferenceDetail(source, parseInferenceRef(served.inferenceId));
    expect(settlement).toMatchObject({ status: "settled", indexed: null });
    if (settlement.status !== "settled") throw new Error("not settled");
    const receipt = await fixture.client.getTransactionReceipt({ hash: settlement.transactionHash! });
    expect(receipt.blockNumber).toBe(settlement.blockNumber);
  });

  it("counts a model's revenue paid by its own contributors", async () => {
    await ask(8, "What does Queequeg do with his harpoon?");
    const detail = await getInferenceDetail(source, parseInferenceRef(served.inferenceId));
    expect(detail.selfPaid).toEqual({ total: 2n * PRICE, selfPaid: PRICE });
  });

  it("says mismatch when the stored split or answer was tampered with", async () => {
    const original = await rowOf(served.inferenceId);
    const proof = structuredClone(original.attribution) as { split: { role: string; amount: string }[] };
    const owner = proof.split.find((p) => p.role === "owner")!;
    const contributor = proof.split.find((p) => p.role === "contributor")!;
    // Move one unit from the owner to a contributor: the sum still checks, the computation does not.
    owner.amount = (BigInt(owner.amount) - 1n).toString();
    contributor.amount = (BigInt(contributor.amount) + 1n).toString();
    await handle.db.update(inferences).set({ attribution: proof }).where(eq(inferences.id, served.inferenceId));
    const tampered = await verifyInference(source, parseInferenceRef(served.inferenceId));
    expect(tampered).toMatchObject({ valid: false, recomputedHash: served.attribution.hash, differences: ["split"] });
    expect(tampered.checks).toMatchObject({ proofMatchesHash: false, recomputed: false, splitSumsToPrice: true, payoutsMatchSplit: false });

    await handle.db
      .update(inferences)
      .set({ attribution: original.attribution, output: `${original.output} And more.` })
      .where(eq(inferences.id, served.inferenceId));
    const edited = await verifyInference(source, parseInferenceRef(served.inferenceId));
    expect(edited.valid).toBe(false);
    expect(edited.checks).toMatchObject({ proofMatchesHash: true, recomputed: false });
    expect(edited.differences).toContain("input");

    await handle.db.update(inferences).set({ output: original.output }).where(eq(inferences.id, served.inferenceId));
    expect((await verifyInference(source, parseInferenceRef(served.inferenceId))).valid).toBe(true);
  });

  it("re-checks a proof made by engine version 1 over the index version 1 builds", async () => {
    const original = await rowOf(served.inferenceId);
    const proof = original.attribution as AttributionProof;
    const model = await getModel(handle.db, original.modelId);
    const corpus = await recordsOfDatanets(handle.db, model!.datanetIds);
    const records = corpus
      .slice(0, proof.index.records)
      .map((r) => ({ id: recordId(r.contributionId, r.position), contributor: r.contributor, text: r.text }));
    const { reference: _, unexplainedPool: __, ...policy } = proof.policy;
    const v1 = attribute({
      index: buildIndex(records, { engine: ENGINE_VERSION_1 }),
      prompt: original.prompt,
      context: original.retrievedRecordIds,
      output: original.output,
      price: original.price,
      ownerShareBps: proof.input.ownerShareBps,
      protocolFeeBps: proof.input.protocolFeeBps,
      owner: proof.input.owner,
      policy,
    });
    expect(v1.proof.engine).toBe(ENGINE_VERSION_1);
    expect(v1.proof.index.snapshot).not.toBe(proof.index.snapshot);
    const stored = JSON.parse(JSON.stringify(v1.proof, (_key, v) => (typeof v === "bigint" ? v.toString(10) : v)));
    await handle.db.update(inferences).set({ attribution: stored, attributionHash: v1.hash }).where(eq(inferences.id, served.inferenceId));
    try {
      const verdict = await verifyInference(source, parseInferenceRef(served.inferenceId));
      expect(verdict).toMatchObject({ recomputedHash: v1.hash, differences: [], problem: null });
      expect(verdict.checks).toMatchObject({ proofMatchesHash: true, recomputed: true });
    } finally {
      await handle.db
        .update(inferences)
        .set({ attribution: original.attribution, attributionHash: original.attributionHash })
        .where(eq(inferences.id, served.inferenceId));
    }
  });
});

async function rowOf(id: string) {
  const [row] = await handle.db.select().from(inferences).where(eq(inferences.id, id));
  return row;
}
