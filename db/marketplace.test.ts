import { keccak256, toBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "./client";
import {
  earliestRecords,
  getChainCursor,
  getDatanet,
  getModel,
  InvalidMarketplaceDataError,
  listContributions,
  listDatanets,
  listModels,
  listRecords,
  modelsOfDatanet,
  recordsOfDatanets,
  replaceModelTerms,
  saveChainCursor,
  saveContribution,
  saveDatanet,
  saveModel,
  updateModelTerms,
} from "./marketplace";
import { testDatabases } from "./testing";

const alice = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
const bob = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as const;
const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
const record = (text: string) => ({ text, hash: keccak256(toBytes(text)) });

describe.each(testDatabases())("marketplace data on $name", (target) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await target.open();
    const { db } = handle;
    await saveDatanet(db, {
      id: 1n,
      name: "State of the Union",
      description: "Addresses",
      license: "public domain",
      owner: alice,
      metadataUri: "ipfs://sotu",
      txHash: tx(1),
    });
    await saveDatanet(db, { id: 2n, name: "Moby-Dick", license: "public domain", owner: bob, metadataUri: "ipfs://moby", txHash: tx(2) });
    await saveContribution(db, {
      id: 10n,
      datanetId: 1n,
      contributor: alice,
      merkleRoot: tx(100),
      txHash: tx(3),
      records: [record("We the people."), record("Four score.")],
    });
    // Bob later copies Alice's first record into another datanet: the copy must not count as first.
    await saveContribution(db, {
      id: 11n,
      datanetId: 2n,
      contributor: bob,
      merkleRoot: tx(101),
      txHash: tx(4),
      records: [record("Call me Ishmael."), record("We the people.")],
    });
    await saveContribution(db, {
      id: 12n,
      datanetId: 1n,
      contributor: bob,
      merkleRoot: tx(102),
      txHash: tx(5),
      records: [record("Ask not.")],
    });
    await saveModel(db, {
      id: 1n,
      name: "Grounded",
      modelCard: "# Grounded",
      backendKind: "builtin",
      owner: alice,
      metadataUri: "ipfs://m1",
      price: 2n ** 200n,
      ownerShareBps: 3000,
      txHash: tx(6),
      datanetIds: [2n, 1n],
    });
    await saveModel(db, {
      id: 2n,
      name: "Llama",
      backendKind: "openai",
      backendBaseUrl: "http://127.0.0.1:11434/v1",
      backendModel: "llama3.2",
      backendKeyName: "OLLAMA",
      owner: bob,
      metadataUri: "ipfs://m2",
      price: 2000n,
      ownerShareBps: 5000,
      txHash: tx(7),
      datanetIds: [2n],
    });
  });
  afterAll(() => handle.close());

  it("lists datanets with their contribution, record and contributor counts", async () => {
    const all = await listDatanets(handle.db);
    expect(all.map((d) => [d.id, d.name, d.contributionCount, d.recordCount, d.contributorCount])).toEqual([
      [1n, "State of the Union", 2, 3, 2],
      [2n, "Moby-Dick", 1, 2, 1],
    ]);
    expect(all[0]!.owner).toBe(alice.toLowerCase());
    expect(await getDatanet(handle.db, 2n)).toMatchObject({ name: "Moby-Dick", description: "", recordCount: 2 });
    expect(await getDatanet(handle.db, 3n)).toBeUndefined();
  });

  it("saves each id once, so a retried publish changes nothing", async () => {
    expect(await saveDatanet(handle.db, { id: 1n, name: "Other", license: "x", owner: bob, metadataUri: "", txHash: tx(9) })).toBe(false);
    expect(
      await saveContribution(handle.db, {
        id: 10n,
        datanetId: 1n,
        contributor: bob,
        merkleRoot: tx(9),
        txHash: tx(9),
        records: [record("x")],
      }),
    ).toBe(false);
    expect((await getDatanet(handle.db, 1n))!).toMatchObject({ name: "State of the Union", recordCount: 3 });
  });

  it("refuses a contribution without records, and leaves nothing behind when a record is bad", async () => {
    await expect(
      saveContribution(handle.db, { id: 13n, datanetId: 1n, contributor: alice, merkleRoot: tx(9), txHash: tx(9), records: [] }),
    ).rejects.toThrow(InvalidMarketplaceDataError);
    const bad = saveContribution(handle.db, {
      id: 14n,
      datanetId: 1n,
      contributor: alice,
      merkleRoot: tx(9),
      txHash: tx(9),
      records: [record("ok"), { text: "bad", hash: "0x12" }],
    });
    await expect(bad).rejects.toThrow();
    expect((await listContributions(handle.db, 1n)).map((c) => c.id)).toEqual([10n, 12n]);
  });

  it("pages through a datanet's records in on-chain order", async () => {
    const first = await listRecords(handle.db, 1n, { limit: 2 });
    expect(first.map((r) => r.text)).toEqual(["We the people.", "Four score."]);
    const last = first.at(-1)!;
    const next = await listRecords(handle.db, 1n, { limit: 2, after: { contributionId: last.contributionId, position: last.position } });
    expect(next.map((r) => [r.contributionId, r.position, r.text])).toEqual([[12n, 0, "Ask not."]]);
  });

  it("gives a model's corpus across its datanets in on-chain order", async () => {
    const corpus = await recordsOfDatanets(handle.db, [1n, 2n]);
    expect(corpus.map((r) => r.text)).toEqual(["We the people.", "Four score.", "Call me Ishmael.", "We the people.", "Ask not."]);
    expect(await recordsOfDatanets(handle.db, [])).toEqual([]);
  });

  it("credits a repeated text to its first publisher", async () => {
    const copied = record("We the people.").hash;
    const unknown = record("never published").hash;
    const origins = await earliestRecords(handle.db, [copied, unknown, record("Call me Ishmael.").hash]);
    expect(origins.get(copied)).toEqual({ contributionId: 10n, position: 0, datanetId: 1n, contributor: alice.toLowerCase() });
    expect(origins.get(record("Call me Ishmael.").hash)!.contributor).toBe(bob.toLowerCase());
    expect(origins.has(unknown)).toBe(false);
  });

  it("returns models with their datanets, backend and exact price", async () => {
    const [grounded, llama] = await listModels(handle.db);
    expect(grounded).toMatchObject({
      name: "Grounded",
      backendKind: "builtin",
      backendBaseUrl: null,
      price: 2n ** 200n,
      datanetIds: [1n, 2n],
      version: 1,
    });
    expect(llama).toMatchObject({ backendKeyName: "OLLAMA", backendModel: "llama3.2", price: 2000n, datanetIds: [2n] });
    expect((await modelsOfDatanet(handle.db, 2n)).map((m) => m.name)).toEqual(["Grounded", "Llama"]);
    expect((await modelsOfDatanet(handle.db, 1n)).map((m) => m.name)).toEqual(["Grounded"]);
  });

  it("refuses an OpenAI-compatible model without a base URL", async () => {
    const incomplete = saveModel(handle.db, {
      id: 3n,
      name: "x",
      backendKind: "openai",
      owner: bob,
      metadataUri: "",
      price: 1n,
      ownerShareBps: 0,
      txHash: tx(8),
      datanetIds: [],
    });
    await expect(incomplete).rejects.toThrow();
    expect(await getModel(handle.db, 3n)).toBeUndefined();
  });

  it("applies only newer model terms and status", async () => {
    expect(await getModel(handle.db, 2n)).toMatchObject({ status: "active", version: 1 });
    expect(await updateModelTerms(handle.db, 2n, { price: 3000n, ownerShareBps: 4000, status: "paused", version: 3 })).toBe(true);
    expect(await updateModelTerms(handle.db, 2n, { price: 2500n, ownerShareBps: 4500, status: "active", version: 2 })).toBe(false);
    expect(await getModel(handle.db, 2n)).toMatchObject({ price: 3000n, ownerShareBps: 4000, status: "paused", version: 3 });
    // After a chain was replaced, its (lower) version wins; an identical state is no change.
    expect(await replaceModelTerms(handle.db, 2n, { price: 2000n, ownerShareBps: 5000, status: "retired", version: 1 })).toBe(true);
    expect(await replaceModelTerms(handle.db, 2n, { price: 2000n, ownerShareBps: 5000, status: "retired", version: 1 })).toBe(false);
    expect(await getModel(handle.db, 2n)).toMatchObject({ price: 2000n, ownerShareBps: 5000, status: "retired", version: 1 });
  });

  it("keeps one cursor per followed stream and contract", async () => {
    const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
    expect(await getChainCursor(handle.db, "model-updates", registry)).toBeUndefined();
    await saveChainCursor(handle.db, { stream: "model-updates", contract: registry, blockNumber: 7n, blockHash: tx(70) });
    await saveChainCursor(handle.db, { stream: "model-updates", contract: registry, blockNumber: 9n, blockHash: tx(90) });
    expect(await getChainCursor(handle.db, "model-updates", registry)).toEqual({
      stream: "model-updates",
      contract: registry.toLowerCase(),
      blockNumber: 9n,
      blockHash: tx(90),
    });
    expect(await getChainCursor(handle.db, "other", registry)).toBeUndefined();
  });
});
