import { keccak256, toBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { saveContribution, saveDatanet, saveModel } from "@/db/marketplace";
import { holds, inferences, spendPermits } from "@/db/schema";
import { testDatabases } from "@/db/testing";
import { getDatanet, listDatanets } from "./datanets";
import { listRecentInferences, modelUsage } from "./inferences";
import { getModel, listModels } from "./models";
import type { MarketplaceSource } from "./source";

const alice = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as const;
const bob = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc" as const;
const payer = "0x90f79bf6eb2c4f870365e785982e1f101e93b906" as const;
const hex32 = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
const record = (text: string) => ({ text, hash: keccak256(toBytes(text)) });

describe.each(testDatabases())("marketplace reads on $name", (target) => {
  let handle: DbHandle;
  let source: MarketplaceSource;

  beforeAll(async () => {
    handle = await target.open();
    const { db } = handle;
    source = { db, indexer: null };
    await saveDatanet(db, {
      id: 1n,
      name: "State of the Union",
      description: "Addresses to Congress",
      license: "public domain",
      owner: alice,
      metadataUri: "ipfs://sotu",
      txHash: hex32(1),
    });
    await saveDatanet(db, {
      id: 2n,
      name: "Moby-Dick",
      license: "public domain",
      owner: bob,
      metadataUri: "ipfs://moby",
      txHash: hex32(2),
    });
    await saveContribution(db, {
      id: 1n,
      datanetId: 1n,
      contributor: alice,
      merkleRoot: hex32(10),
      txHash: hex32(3),
      records: [record("We the people."), record("Four score and seven years ago.")],
    });
    await saveContribution(db, {
      id: 2n,
      datanetId: 1n,
      contributor: bob,
      merkleRoot: hex32(11),
      txHash: hex32(4),
      records: [record("Ask not what your country can do for you.")],
    });
    await saveModel(db, {
      id: 1n,
      name: "Grounded",
      description: "Answers from the addresses",
      modelCard: "# Grounded",
      backendKind: "builtin",
      owner: alice,
      metadataUri: "ipfs://m1",
      price: 2_000n,
      ownerShareBps: 3000,
      txHash: hex32(5),
      datanetIds: [1n],
    });
    await saveModel(db, {
      id: 2n,
      name: "Llama",
      backendKind: "openai",
      backendBaseUrl: "http://127.0.0.1:11434/v1",
      backendModel: "llama3.2",
      owner: bob,
      metadataUri: "ipfs://m2",
      price: 2n ** 200n,
      ownerShareBps: 5000,
      txHash: hex32(6),
      datanetIds: [2n, 1n],
    });

    // Three paid inferences of model 1: settled, pending, refused on chain; one of model 2, settled.
    const [permit] = await db
      .insert(spendPermits)
      .values({ chainId: 31337, market: alice, payer, spender: bob, cap: 10n ** 70n, expiry: 2n ** 40n, nonce: 1n, signature: "0x" })
      .returning();
    const paid = async (modelId: bigint, price: bigint, status: "settled" | "pending" | "failed") => {
      const [hold] = await db.insert(holds).values({ payer, permitId: permit!.id, amount: price, status: "committed" }).returning();
      await db.insert(inferences).values({
        modelId,
        payer,
        permitId: permit!.id,
        holdId: hold!.id,
        price,
        prompt: "p",
        output: "o",
        retrievedRecordIds: [],
        attribution: {},
        attributionHash: hex32(99),
        payees: [alice, bob],
        amounts: [price / 2n, price / 2n],
        status,
        settlementTxHash: status === "settled" ? hex32(77) : null,
        failureReason: status === "failed" ? "PermitExpired" : null,
      });
    };
    await paid(1n, 2_000n, "settled");
    await paid(1n, 2_000n, "pending");
    await paid(1n, 2_000n, "failed");
    await paid(2n, 2n ** 200n, "settled");
  });
  afterAll(() => handle.close());

  it("lists datanets newest first with their counts and publisher", async () => {
    const datanets = await listDatanets(source);
    expect(datanets.map((d) => [d.id, d.name, d.contributionCount, d.recordCount, d.contributorCount])).toEqual([
      ["2", "Moby-Dick", 0, 0, 0],
      ["1", "State of the Union", 2, 3, 2],
    ]);
    expect(datanets[1]!.publisher).toBe(alice);
  });

  it("shows a datanet with its contributors, latest contributions, sample records and the models that use it", async () => {
    const datanet = await getDatanet(source, 1n);
    expect(datanet?.contributors).toEqual([
      { contributor: alice, contributionCount: 1, recordCount: 2 },
      { contributor: bob, contributionCount: 1, recordCount: 1 },
    ]);
    expect(datanet?.contributions.map((c) => [c.id, c.contributor, c.recordCount])).toEqual([
      ["2", bob, 1],
      ["1", alice, 2],
    ]);
    expect(datanet?.sampleRecords.map((r) => r.text)).toEqual([
      "We the people.",
      "Four score and seven years ago.",
      "Ask not what your country can do for you.",
    ]);
    expect(datanet?.models.map((m) => m.name)).toEqual(["Grounded", "Llama"]);
    expect(await getDatanet(source, 3n)).toBeNull();
  });

  it("counts a model's inferences (not those refused on chain) and sums only settled revenue, exactly", async () => {
    const usage = await modelUsage(source);
    expect(usage.get(1n)).toEqual({ inferenceCount: 2, revenue: 2_000n });
    expect(usage.get(2n)).toEqual({ inferenceCount: 1, revenue: 2n ** 200n });
    const models = await listModels(source);
    expect(models.map((m) => [m.id, m.inferenceCount, m.backend])).toEqual([
      ["2", 1, "OpenAI-compatible: llama3.2"],
      ["1", 2, "built-in engine"],
    ]);
    expect(models[0]!.pricePerCall).toBe(2n ** 200n);
  });

  it("shows a model with its datanets and its latest inferences", async () => {
    const model = await getModel(source, 2n);
    expect(model?.datanets.map((d) => d.name)).toEqual(["State of the Union", "Moby-Dick"]);
    expect(model?.revenue).toBe(2n ** 200n);
    const grounded = await getModel(source, 1n);
    expect(grounded?.modelCard).toBe("# Grounded");
    expect(grounded?.recentInferences.map((i) => i.settlement.status)).toEqual(["failed", "pending", "settled"]);
    expect(await getModel(source, 9n)).toBeNull();
  });

  it("lists recent inferences across models, newest first, with settlement state", async () => {
    const recent = await listRecentInferences(source, { limit: 3 });
    expect(recent.map((i) => [i.modelName, i.settlement])).toEqual([
      ["Llama", { status: "settled", transactionHash: hex32(77) }],
      ["Grounded", { status: "failed", reason: "PermitExpired" }],
      ["Grounded", { status: "pending" }],
    ]);
    expect(recent[0]!.payeeCount).toBe(2);
    expect(Number(recent[1]!.id)).toBeLessThan(Number(recent[0]!.id));
  });
});
