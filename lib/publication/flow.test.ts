/**
 * The generic flow over a real anvil, with a flow declared here as the marketplace would declare
 * a new one: an owner's model update (`updateModel` → ModelUpdated), confirmed only against a
 * draft this server holds or one the client sends again that the event anchors.
 */

import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle, migrate } from "@/db/client";
import { testUsdAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { publishDatanet } from "@/lib/datanets/publish";
import { publishModel } from "@/lib/models/publish";
import { registryStatusValue } from "@/lib/models/status";
import type { MarketplaceContext } from "./context";
import { DraftNotFoundError } from "./errors";
import { definePublication, type RegistryEventArgs, type WalletCall } from "./flow";
import { publicationContextFor } from "./testing";

type ModelUpdateDraft = { modelId: bigint; price: bigint; ownerShareBps: number; status: number };

const modelUpdate = definePublication({
  drafts: "test-model-updates",
  draftKey: (d: ModelUpdateDraft) => `${d.modelId}:${d.price}:${d.ownerShareBps}:${d.status}`,
  call: (d) => ({ functionName: "updateModel", args: [d.modelId, d.price, d.ownerShareBps, d.status] }),
  event: "ModelUpdated",
  eventKey: (args) => `${args.modelId}:${args.pricePerCall}:${args.ownerBps}:${args.status}`,
  async store({ event: { args, transactionHash }, draft }) {
    if (!draft()) throw new DraftNotFoundError(`update of model ${args.modelId}`);
    return { modelId: args.modelId, version: args.version, txHash: transactionHash };
  },
});

const OWNER = 5;
let chain: MarketFixture;
let handle: DbHandle;
let ctx: MarketplaceContext;
let modelId: bigint;

const update = (price: bigint, status: "active" | "paused"): ModelUpdateDraft => ({
  modelId,
  price,
  ownerShareBps: 3_000,
  status: registryStatusValue(status),
});
const held = (args: RegistryEventArgs<"ModelUpdated">) => modelUpdate.held(ctx, args);
const sendCall = async (call: WalletCall): Promise<Hex> => (await chain.send(OWNER, { ...call, abi: upstreamRegistryAbi })).transactionHash;
const code = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: { code?: string }) => error.code ?? String(error),
  );

beforeAll(async () => {
  chain = await startMarketFixture();
  handle = await createDb({ dataDir: "memory://" });
  await migrate(handle.db);
  ctx = publicationContextFor(chain, handle.db);
  await chain.send(OWNER, { address: ctx.token, abi: testUsdAbi, functionName: "faucet", args: [1_000_000_000n] });
  const wallet = chain.wallet(OWNER);
  const datanet = await publishDatanet({
    ...ctx,
    wallet,
    metadata: { name: "Logbooks", description: "", license: "CC0-1.0" },
    stake: 10_000_000n,
  });
  const metadata = { name: "Log reader", description: "", modelCard: "", backend: { kind: "builtin" as const } };
  const terms = { price: 2_000n, ownerShareBps: 3_000, datanetIds: [datanet.id], stake: 10_000_000n };
  modelId = (await publishModel({ ...ctx, wallet, metadata, terms })).id;
});

afterAll(async () => {
  await handle?.close();
  await chain?.stop();
});

describe("a flow declared with definePublication", () => {
  it("drafts the registry call, confirms the event against the held draft once, then forgets the draft", async () => {
    const call = modelUpdate.draft(ctx, update(2_500n, "paused"));
    expect(call).toEqual({ address: ctx.registry, functionName: "updateModel", args: [modelId, 2_500n, 3_000, 1] });
    const txHash = await sendCall(call);
    expect(await modelUpdate.confirm({ ...ctx, txHash, draftFor: held })).toMatchObject({ modelId, version: 2n, txHash });
    expect(await code(modelUpdate.confirm({ ...ctx, txHash, draftFor: held }))).toBe("DRAFT_NOT_FOUND");
  });

  it("takes a draft sent again only if the event anchors it", async () => {
    const txHash = await sendCall({ address: ctx.registry, functionName: "updateModel", args: [modelId, 3_000n, 3_000, 0] });
    const confirmResent = (resent: ModelUpdateDraft) => modelUpdate.confirm({ ...ctx, txHash, draftFor: modelUpdate.heldOr(ctx, resent) });
    expect(await code(confirmResent(update(3_001n, "active")))).toBe("DRAFT_NOT_FOUND");
    expect(await confirmResent(update(3_000n, "active"))).toMatchObject({ version: 3n });
  });

  it("refuses a transaction without its event, and sends from a wallet it holds", async () => {
    const other = await chain.send(OWNER, { address: ctx.token, abi: testUsdAbi, functionName: "faucet", args: [1n] });
    expect(await code(modelUpdate.confirm({ ...ctx, txHash: other.transactionHash, draftFor: held }))).toBe("EVENT_NOT_FOUND");
    const sent = await modelUpdate.send({ ...ctx, wallet: chain.wallet(OWNER) }, update(2_000n, "active"));
    expect(sent).toMatchObject({ modelId, version: 4n });
  });
});
