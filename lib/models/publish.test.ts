import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle, migrate } from "@/db/client";
import { getModel, listRecords } from "@/db/marketplace";
import { testUsdAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { contributeRecords } from "@/lib/datanets/contribute";
import { publishDatanet } from "@/lib/datanets/publish";
import type { MarketplaceContext } from "@/lib/publication/context";
import { publicationContextFor } from "@/lib/publication/testing";
import { confirmModel, draftModel, modelList } from "./api";
import { publishModel } from "./publish";

let chain: MarketFixture;
let handle: DbHandle;
let ctx: MarketplaceContext;
const owner = 5;

beforeAll(async () => {
  chain = await startMarketFixture();
  handle = await createDb({ dataDir: "memory://" });
  await migrate(handle.db);
  ctx = publicationContextFor(chain, handle.db);
  await chain.send(owner, { address: ctx.token, abi: testUsdAbi, functionName: "faucet", args: [1_000_000_000n] });
});

afterAll(async () => {
  await handle?.close();
  await chain?.stop();
});

describe("server-side publishing with a wallet client", () => {
  it("publishes a datanet, contributes records and publishes a model over it, terms read from the chain, its card's unexplained-pool policy stored", async () => {
    const wallet = chain.wallet(owner);
    const datanet = await publishDatanet({
      ...ctx,
      wallet,
      metadata: { name: "Logbooks", description: "", license: "CC0-1.0" },
      stake: 10_000_000n,
    });
    const contribution = await contributeRecords({ ...ctx, wallet, datanetId: datanet.id, records: ["Wind NNE.", "Sighted a spout."] });
    expect((await listRecords(handle.db, datanet.id)).map((r) => [r.contributionId, r.text])).toEqual([
      [contribution.id, "Wind NNE."],
      [contribution.id, "Sighted a spout."],
    ]);

    const model = await publishModel({
      ...ctx,
      wallet,
      metadata: {
        name: "Log reader",
        description: "Answers from the logbooks",
        modelCard: "Built-in engine.",
        backend: { kind: "builtin" },
        unexplainedPool: "treasury",
      },
      terms: { price: 2_000n, ownerShareBps: 3_000, datanetIds: [datanet.id], stake: 10_000_000n },
    });
    expect(model).toMatchObject({ backendId: "builtin", price: 2_000n, ownerShareBps: 3_000, datanetIds: [datanet.id], created: true });
    const onChain = await chain.client.readContract({
      address: ctx.registry,
      abi: upstreamRegistryAbi,
      functionName: "getModel",
      args: [model.id],
    });
    expect(onChain.owner).toBe(devAccounts[owner].address);
    expect(await getModel(handle.db, model.id)).toMatchObject({
      name: "Log reader",
      price: 2_000n,
      backendKind: "builtin",
      datanetIds: [datanet.id],
      // The card's declared recipient of what the data does not explain (off-chain terms).
      unexplainedPool: "treasury",
    });
  });

  it("refuses at the draft an owner share that, with the highest protocol fee, would exceed 100%", async () => {
    const metadata = { name: "Greedy", backend: { kind: "builtin" } };
    const terms = { price: "3000", ownerShareBps: 9_001, datanetIds: ["1"], stake: "10000000" };
    await expect(draftModel(ctx, { metadata, terms })).rejects.toMatchObject({ status: 400, message: expect.stringContaining("9000") });
  });

  it("browser flow: confirms only a receipt that anchors the drafted backend, never shows the key name", async () => {
    const metadata = {
      name: "Local llama",
      backend: { kind: "openai", baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.2", keyName: "OLLAMA" },
    };
    const draft = await draftModel(ctx, { metadata, terms: { price: "3000", ownerShareBps: 2_000, datanetIds: ["1"], stake: "10000000" } });
    expect(draft.call.args[1]).toBe("openai:llama3.2");
    await chain.send(owner, { address: ctx.token, abi: testUsdAbi, functionName: "approve", args: [ctx.registry, 20_000_000n] });
    // The wallet sends the drafted URI with another backend id: refused.
    const args = [...draft.call.args];
    args[1] = "builtin";
    const wrong = await chain.send(owner, { address: ctx.registry, abi: upstreamRegistryAbi, functionName: "publishModel", args });
    await expect(confirmModel(ctx, { txHash: wrong.transactionHash })).rejects.toMatchObject({ code: "RECEIPT_MISMATCH" });

    const right = await chain.send(owner, {
      address: ctx.registry,
      abi: upstreamRegistryAbi,
      functionName: "publishModel",
      args: draft.call.args,
    });
    const confirmed = await confirmModel(ctx, { txHash: right.transactionHash });
    expect(confirmed).toMatchObject({ backendId: "openai:llama3.2", price: 3_000n, created: true });
    const listed = (await modelList(ctx)).models;
    expect(listed.map((m) => m.name)).toEqual(["Log reader", "Local llama"]);
    expect(JSON.stringify(listed, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain("OLLAMA");
  });

  it("refuses at the draft a backend that names a server key with an endpoint outside the key's URL", async () => {
    const keyed = publicationContextFor(chain, handle.db, { OPENAI: "https://api.openai.com/v1" });
    const terms = { price: "3000", ownerShareBps: 2_000, datanetIds: ["1"], stake: "10000000" };
    const card = (baseUrl: string, keyName?: string) => ({
      name: "Keyed",
      backend: { kind: "openai", baseUrl, model: "gpt-4o-mini", ...(keyName ? { keyName } : {}) },
    });
    await expect(draftModel(keyed, { metadata: card("https://attacker.example/v1", "OPENAI"), terms })).rejects.toMatchObject({
      status: 400,
      code: "BACKEND_KEY_NOT_ALLOWED",
    });
    await expect(draftModel(keyed, { metadata: card("https://api.openai.com/v1", "OPENAI"), terms })).resolves.toMatchObject({
      call: { args: expect.arrayContaining(["openai:gpt-4o-mini"]) },
    });
    // Without a key, an owner's own endpoint is the owner's business.
    await expect(draftModel(keyed, { metadata: card("https://attacker.example/v1"), terms })).resolves.toBeDefined();
  });

  it("refuses bad terms before any transaction", async () => {
    const metadata = { name: "m", backend: { kind: "builtin" } };
    const terms = { price: "1", ownerShareBps: 0, datanetIds: ["1"], stake: "0" };
    for (const bad of [
      { metadata, terms: { ...terms, price: "0" } },
      { metadata, terms: { ...terms, ownerShareBps: 10_001 } },
      { metadata, terms: { ...terms, datanetIds: ["1", "1"] } },
      { metadata, terms: { ...terms, price: (1n << 128n).toString() } },
      { metadata: { ...metadata, backend: { kind: "openai", baseUrl: "ftp://x", model: "m" } }, terms },
    ]) {
      await expect(draftModel(ctx, bad)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    }
    await expect(draftModel(ctx, { metadata, terms: { ...terms, datanetIds: ["77"] } })).rejects.toMatchObject({
      code: "DATANET_NOT_FOUND",
    });
  });

  it("refuses at the draft a datanet that is closed on chain (the registry would revert DatanetNotActive): 409 DATANET_CLOSED", async () => {
    const datanet = await publishDatanet({
      ...ctx,
      wallet: chain.wallet(owner),
      metadata: { name: "Closing soon", description: "", license: "CC0-1.0" },
      stake: 10_000_000n,
    });
    const body = {
      metadata: { name: "Late model", backend: { kind: "builtin" } },
      terms: { price: "1000", ownerShareBps: 0, datanetIds: [datanet.id.toString()], stake: "10000000" },
    };
    await expect(draftModel(ctx, body)).resolves.toBeDefined();
    await chain.send(owner, { address: ctx.registry, abi: upstreamRegistryAbi, functionName: "requestUnstake", args: [0, datanet.id] });
    await expect(draftModel(ctx, body)).rejects.toMatchObject({ code: "DATANET_CLOSED", status: 409 });
  });
});
