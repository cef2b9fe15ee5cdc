/**
 * The model sync over a real anvil and the app's database: models published through the real
 * publish path, then paused, resumed, repriced and retired by registry transactions; the sync
 * must bring each change into the model's row, once, and survive the chain going back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { getModel } from "@/db/marketplace";
import { testDatabases } from "@/db/testing";
import { testUsdAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { publishDatanet } from "@/lib/datanets/publish";
import type { MarketplaceContext } from "@/lib/publication/context";
import { publicationContextFor } from "@/lib/publication/testing";
import { confirmModel, draftModel } from "./api";
import { publishModel } from "./publish";
import { registryStatusValue } from "./status";
import { createModelSync, type SyncModelUpdatesParameters, syncModelUpdates } from "./sync";

const OWNER = 5;
const STAKE = 10_000_000n;
const MODEL_SUBJECT = 1;

let chain: MarketFixture;
let handle: DbHandle;
let ctx: MarketplaceContext;
let sync: SyncModelUpdatesParameters;
let datanetId: bigint;

const metadata = (name: string) => ({ name, description: "", modelCard: "Built-in engine.", backend: { kind: "builtin" as const } });
const registryCall = (functionName: string, args: readonly unknown[]) =>
  chain.send(OWNER, { address: ctx.registry, abi: upstreamRegistryAbi, functionName, args });
const setStatus = (modelId: bigint, price: bigint, ownerShareBps: number, status: "active" | "paused") =>
  registryCall("updateModel", [modelId, price, ownerShareBps, registryStatusValue(status)]);
const stored = async (modelId: bigint) => {
  const model = await getModel(handle.db, modelId);
  return model && { status: model.status, version: model.version, price: model.price, ownerShareBps: model.ownerShareBps };
};

async function publish(name: string): Promise<bigint> {
  const model = await publishModel({
    ...ctx,
    wallet: chain.wallet(OWNER),
    metadata: metadata(name),
    terms: { price: 2_000n, ownerShareBps: 3_000, datanetIds: [datanetId], stake: STAKE },
  });
  return model.id;
}

beforeAll(async () => {
  chain = await startMarketFixture();
  handle = await testDatabases()[0].open();
  ctx = publicationContextFor(chain, handle.db);
  sync = { db: handle.db, client: chain.client, registry: ctx.registry, startBlock: BigInt(chain.deployment.startBlock) };
  await chain.send(OWNER, { address: ctx.token, abi: testUsdAbi, functionName: "faucet", args: [1_000_000_000n] });
  datanetId = (
    await publishDatanet({
      ...ctx,
      wallet: chain.wallet(OWNER),
      metadata: { name: "Logbooks", description: "", license: "CC0-1.0" },
      stake: STAKE,
    })
  ).id;
});

afterAll(async () => {
  await handle?.close();
  await chain?.stop();
});

describe("following the registry's model updates", () => {
  it("pauses, resumes with new terms and retires a model's row as the chain does, each change once", async () => {
    const id = await publish("Log reader");
    expect(await stored(id)).toEqual({ status: "active", version: 1, price: 2_000n, ownerShareBps: 3_000 });

    // The first read starts at the deployment's first block, so a pause from before it counts.
    await setStatus(id, 2_000n, 3_000, "paused");
    expect(await syncModelUpdates(sync)).toMatchObject({ blocks: { from: sync.startBlock }, events: 1, changed: [id] });
    expect(await stored(id)).toEqual({ status: "paused", version: 2, price: 2_000n, ownerShareBps: 3_000 });
    // Nothing new: nothing read, nothing changed.
    expect(await syncModelUpdates(sync)).toMatchObject({ blocks: null, events: 0, changed: [] });

    await setStatus(id, 2_500n, 4_000, "active");
    await syncModelUpdates(sync);
    expect(await stored(id)).toEqual({ status: "active", version: 3, price: 2_500n, ownerShareBps: 4_000 });

    // Unstaking retires the model on chain: the owner cannot bring it back.
    await registryCall("requestUnstake", [MODEL_SUBJECT, id]);
    await expect(setStatus(id, 2_500n, 4_000, "active")).rejects.toThrow();
    const retired = await syncModelUpdates(sync);
    expect(retired).toMatchObject({ events: 1, changed: [id], restarted: false });
    expect(await stored(id)).toEqual({ status: "retired", version: 4, price: 2_500n, ownerShareBps: 4_000 });
  });

  it("stores a model confirmed after it was paused with the status the chain has now", async () => {
    const draft = await draftModel(ctx, {
      metadata: metadata("Paused before confirmed"),
      terms: { price: "2000", ownerShareBps: 3_000, datanetIds: [datanetId.toString()], stake: STAKE.toString() },
    });
    await chain.send(OWNER, { address: ctx.token, abi: testUsdAbi, functionName: "approve", args: [ctx.registry, STAKE] });
    const sent = await registryCall("publishModel", draft.call.args);
    const id = chain.events(sent, upstreamRegistryAbi as never).find((e) => e.eventName === "ModelPublished")!.args.modelId as bigint;
    await setStatus(id, 2_000n, 3_000, "paused");
    // The follower sees the pause before the app holds the model: no row to change yet.
    expect((await syncModelUpdates(sync)).changed).toEqual([]);
    await confirmModel(ctx, { txHash: sent.transactionHash });
    expect(await stored(id)).toEqual({ status: "paused", version: 2, price: 2_000n, ownerShareBps: 3_000 });
  });

  it("re-reads the models from the registry when the chain no longer holds the last block read", async () => {
    const id = await publish("Rolled back");
    await syncModelUpdates(sync);
    const before = await chain.snapshot();
    await setStatus(id, 2_000n, 3_000, "paused");
    await syncModelUpdates(sync);
    expect(await stored(id)).toMatchObject({ status: "paused", version: 2 });

    // The pause is undone by going back; another block takes its height.
    await chain.revert(before);
    await chain.increaseTime(1n);
    const result = await syncModelUpdates(sync);
    expect(result.restarted).toBe(true);
    expect(result.changed).toContain(id);
    expect(await stored(id)).toEqual({ status: "active", version: 1, price: 2_000n, ownerShareBps: 3_000 });
    // Following goes on from the new head.
    await setStatus(id, 2_000n, 3_000, "paused");
    expect(await syncModelUpdates(sync)).toMatchObject({ changed: [id], restarted: false });
  });

  it("follows in the background until stopped", async () => {
    const id = await publish("Background");
    const follower = createModelSync({ ...sync, intervalMs: 20 });
    follower.start();
    try {
      await setStatus(id, 2_000n, 3_000, "paused");
      for (let i = 0; i < 250 && (await stored(id))?.status !== "paused"; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await stored(id)).toMatchObject({ status: "paused", version: 2 });
    } finally {
      await follower.stop();
    }
    await setStatus(id, 2_000n, 3_000, "active");
    await new Promise((r) => setTimeout(r, 100));
    expect(await stored(id)).toMatchObject({ status: "paused", version: 2 });
  });
});
