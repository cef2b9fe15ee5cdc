import { type Hex, zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle, migrate } from "@/db/client";
import { listContributions, listRecords } from "@/db/marketplace";
import { loadMobyDick, sentences } from "@/lib/attribution/testing/corpora";
import { testUsdAbi, upstreamRegistryAbi, upstreamRegistryBytecode } from "@/lib/chain/abis";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import type { MarketplaceContext } from "@/lib/publication/context";
import type { WalletCall } from "@/lib/publication/flow";
import { publicationContextFor } from "@/lib/publication/testing";
import {
  confirmContributionRequest,
  confirmDatanet,
  contributionRecordProof,
  datanetDetail,
  datanetRecords,
  draftContribution,
  draftDatanet,
} from "./api";
import { hashRecord } from "./records";

let chain: MarketFixture;
let handle: DbHandle;
let ctx: MarketplaceContext;

const [publisher, alice, bob] = [2, 3, 4];

async function send(from: number, call: WalletCall): Promise<Hex> {
  const receipt = await chain.send(from, {
    address: call.address,
    abi: upstreamRegistryAbi,
    functionName: call.functionName,
    args: call.args,
  });
  return receipt.transactionHash;
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return "resolved";
}

beforeAll(async () => {
  chain = await startMarketFixture();
  handle = await createDb({ dataDir: "memory://" });
  await migrate(handle.db);
  ctx = publicationContextFor(chain, handle.db);
  for (const index of [publisher, alice, bob]) {
    await chain.send(index, { address: chain.deployment.token, abi: testUsdAbi, functionName: "faucet", args: [1_000_000_000n] });
  }
});

afterAll(async () => {
  await handle?.close();
  await chain?.stop();
});

describe("browser publish flow: draft, wallet transaction, confirm against the receipt", () => {
  let datanetId: bigint;
  let publishTx: Hex;

  it("publishes a datanet and stores its metadata under the on-chain id, once", async () => {
    const draft = await draftDatanet(ctx, { name: "  Sea stories ", description: "Whaling tales", license: "public domain" });
    expect(draft.metadata.name).toBe("Sea stories");
    await chain.send(publisher, { address: ctx.token, abi: testUsdAbi, functionName: "approve", args: [ctx.registry, draft.minStake] });
    publishTx = await send(publisher, draft.call);
    const published = await confirmDatanet(ctx, { txHash: publishTx });
    expect(published).toMatchObject({
      name: "Sea stories",
      license: "public domain",
      owner: devAccounts[publisher].address,
      created: true,
    });
    datanetId = published.id;
    // The draft is gone now, but resending the metadata proves it by its URI: a repeat stores nothing new.
    const again = await confirmDatanet(ctx, {
      txHash: publishTx,
      metadata: { name: "Sea stories", description: "Whaling tales", license: "public domain" },
    });
    expect(again).toMatchObject({ id: datanetId, created: false });

    // A publication nobody drafted here, and one anchoring another license than its metadata says.
    const metadata = { name: "Logbooks", description: "", license: "CC0-1.0" };
    const { metadataUri, minStake } = await draftDatanet(ctx, metadata);
    await chain.send(publisher, { address: ctx.token, abi: testUsdAbi, functionName: "approve", args: [ctx.registry, 2n * minStake] });
    const undrafted = await send(publisher, {
      address: ctx.registry,
      functionName: "publishDatanet",
      args: ["upstream:datanet:0x01", "CC0-1.0", minStake],
    });
    expect(await code(confirmDatanet(ctx, { txHash: undrafted, metadata }))).toBe("DRAFT_NOT_FOUND");
    const otherLicense = await send(publisher, {
      address: ctx.registry,
      functionName: "publishDatanet",
      args: [metadataUri, "All rights reserved", minStake],
    });
    expect(await code(confirmDatanet(ctx, { txHash: otherLicense }))).toBe("RECEIPT_MISMATCH");
  });

  it("stores a contribution's records in leaf order under the event's contribution id, with proofs against the on-chain root", async () => {
    const texts = ["Call me Ishmael.", "Some years ago—never mind how long precisely—", "鯨 and 🐋 are whales too."];
    const draft = await draftContribution(ctx, datanetId.toString(), { contributor: devAccounts[alice].address, records: texts });
    expect(draft.recordHashes).toEqual(texts.map(hashRecord));
    const txHash = await send(alice, draft.call);
    const confirmed = await confirmContributionRequest(ctx, datanetId.toString(), { txHash });
    expect(confirmed).toMatchObject({
      datanetId,
      contributor: devAccounts[alice].address,
      recordCount: 3,
      merkleRoot: draft.merkleRoot,
      created: true,
    });

    const stored = await listRecords(handle.db, datanetId);
    expect(stored.map((r) => [r.contributionId, r.position, r.text])).toEqual(texts.map((t, i) => [confirmed.id, i, t]));
    for (let position = 0; position < texts.length; position++) {
      const proof = await contributionRecordProof(
        ctx,
        datanetId.toString(),
        confirmed.id.toString(),
        new URLSearchParams({ position: String(position) }),
      );
      expect(proof).toMatchObject({
        text: texts[position],
        verified: true,
        recordId: confirmed.firstRecordId + BigInt(position),
        merkleRoot: draft.merkleRoot,
      });
    }
    expect(await code(confirmContributionRequest(ctx, datanetId.toString(), { txHash }))).toBe("resolved");
    expect((await listContributions(handle.db, datanetId)).length).toBe(1);
  });

  it("refuses a confirmation whose receipt does not anchor the drafted records, and stores nothing", async () => {
    const records = ["The Pequod sailed on Christmas Day."];
    const draft = await draftContribution(ctx, datanetId.toString(), { contributor: devAccounts[alice].address, records });
    // Alice's wallet anchors a different root than the one drafted.
    const forgedRoot = hashRecord("something else");
    const otherRoot = await send(alice, { ...draft.call, args: [datanetId, forgedRoot, 1] });
    expect(await code(confirmContributionRequest(ctx, datanetId.toString(), { txHash: otherRoot }))).toBe("DRAFT_NOT_FOUND");
    expect(
      await code(
        confirmContributionRequest(ctx, datanetId.toString(), { txHash: otherRoot, contributor: devAccounts[alice].address, records }),
      ),
    ).toBe("RECEIPT_MISMATCH");
    // Bob sends Alice's drafted call: the records stay Alice's draft, not Bob's contribution.
    const bobsTx = await send(bob, draft.call);
    expect(await code(confirmContributionRequest(ctx, datanetId.toString(), { txHash: bobsTx }))).toBe("DRAFT_NOT_FOUND");
    expect(
      await code(
        confirmContributionRequest(ctx, datanetId.toString(), { txHash: bobsTx, contributor: devAccounts[alice].address, records }),
      ),
    ).toBe("RECEIPT_MISMATCH");
    // A count that differs from the records.
    const wrongCount = await send(alice, { ...draft.call, args: [datanetId, draft.merkleRoot, 2] });
    expect(await code(confirmContributionRequest(ctx, datanetId.toString(), { txHash: wrongCount }))).toBe("RECEIPT_MISMATCH");
    expect((await datanetDetail(ctx, datanetId.toString())).contributions.length).toBe(1);
  });

  it("a contribute transaction copied from the mempool and mined first earns its copier nothing (issue 10, item 7)", async () => {
    const texts = ["It is not down on any map; true places never are.", "Better to sleep with a sober cannibal than a drunk Christian."];
    const draft = await draftContribution(ctx, datanetId.toString(), { contributor: devAccounts[alice].address, records: texts });
    const rpc = (method: string, params: unknown[] = []) => chain.client.request({ method: method as never, params: params as never });
    await rpc("evm_setAutomine", [false]);
    let aliceTx: Hex;
    let bobTx: Hex;
    try {
      aliceTx = await chain.wallet(alice).writeContract({
        address: draft.call.address,
        abi: upstreamRegistryAbi,
        functionName: "addContribution",
        args: draft.call.args as [bigint, Hex, number],
      });
      // Bob watches the mempool, copies Alice's calldata and outbids her tip.
      const pending = await chain.client.getTransaction({ hash: aliceTx });
      bobTx = await chain.wallet(bob).sendTransaction({
        to: pending.to!,
        data: pending.input,
        gas: pending.gas,
        maxFeePerGas: pending.maxFeePerGas! * 2n,
        maxPriorityFeePerGas: pending.maxPriorityFeePerGas! * 2n + 1n,
      });
      await rpc("evm_mine");
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
    const [aliceReceipt, bobReceipt] = await Promise.all([aliceTx, bobTx].map((hash) => chain.client.waitForTransactionReceipt({ hash })));
    expect(bobReceipt.transactionIndex).toBeLessThan(aliceReceipt.transactionIndex); // Bob's copy took the earlier ids
    const stored = await confirmContributionRequest(ctx, datanetId.toString(), { txHash: aliceTx });
    expect(stored.contributor).toBe(devAccounts[alice].address);
    // Once Alice's texts are public, Bob confirms his copy with them, as the contributor of record.
    const published = (await datanetRecords(ctx, datanetId.toString(), new URLSearchParams({ limit: "500" }))).records
      .filter((r) => r.contributionId === stored.id)
      .map((r) => r.text);
    expect(published).toEqual(texts);
    expect(
      await code(
        confirmContributionRequest(ctx, datanetId.toString(), { txHash: bobTx, contributor: devAccounts[bob].address, records: published }),
      ),
    ).toBe("RECEIPT_MISMATCH");
    const holders = (await listRecords(handle.db, datanetId)).filter((r) => texts.includes(r.text)).map((r) => r.contributor.toLowerCase());
    expect(holders).toEqual([devAccounts[alice].address.toLowerCase(), devAccounts[alice].address.toLowerCase()]);
  });

  it("refuses transactions that are not contributions to our registry", async () => {
    expect(await code(confirmContributionRequest(ctx, datanetId.toString(), { txHash: publishTx }))).toBe("EVENT_NOT_FOUND");
    expect(await code(confirmContributionRequest(ctx, datanetId.toString(), { txHash: `0x${"ab".repeat(32)}` }))).toBe(
      "TRANSACTION_NOT_FOUND",
    );
    expect(await code(confirmContributionRequest(ctx, datanetId.toString(), { txHash: "0x1234" }))).toBe("INVALID_INPUT");

    // A look-alike registry emits the same event from another address: it does not count.
    const wallet = chain.wallet(alice);
    const deployHash = await wallet.deployContract({
      abi: upstreamRegistryAbi,
      bytecode: upstreamRegistryBytecode,
      args: [ctx.token, wallet.account.address, zeroAddress, 0, wallet.account.address, 0n, 0n, 0n],
    });
    const fake = (await chain.client.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;
    await chain.send(alice, {
      address: fake,
      abi: upstreamRegistryAbi,
      functionName: "publishDatanet",
      args: ["upstream:datanet:0x00", "x", 0n],
    });
    const records = ["Forged."];
    const draft = await draftContribution(ctx, datanetId.toString(), { contributor: devAccounts[alice].address, records });
    const fakeTx = await send(alice, { ...draft.call, address: fake, args: [datanetId, draft.merkleRoot, 1] });
    expect(await code(confirmContributionRequest(ctx, datanetId.toString(), { txHash: fakeTx }))).toBe("EVENT_NOT_FOUND");
  });

  it("validates drafts before touching the chain", async () => {
    const contributor = devAccounts[alice].address;
    expect(await code(draftContribution(ctx, datanetId.toString(), { contributor, records: ["ok", ""] }))).toBe("INVALID_RECORDS");
    expect(await code(draftContribution(ctx, datanetId.toString(), { contributor, records: [] }))).toBe("INVALID_INPUT");
    expect(await code(draftContribution(ctx, "999", { contributor, records: ["ok"] }))).toBe("DATANET_NOT_FOUND");
    expect(await code(draftContribution(ctx, "01", { contributor, records: ["ok"] }))).toBe("INVALID_ID");
    expect(await code(draftContribution(ctx, datanetId.toString(), { contributor: "0xnope", records: ["ok"] }))).toBe("INVALID_INPUT");
    expect(await code(draftDatanet(ctx, { name: "", license: "x" }))).toBe("INVALID_INPUT");
    expect(await code(draftDatanet(ctx, { name: "n", license: "x", extra: 1 }))).toBe("INVALID_INPUT");
    expect(await code(draftContribution(ctx, datanetId.toString(), { contributor, records: ["a", "b", "a"] }))).toBe("INVALID_RECORDS");
  });

  it("refuses what the publish form refuses, naming the field: licence URL, tags (issue 12)", async () => {
    const refusal = async (body: unknown) => {
      try {
        await draftDatanet(ctx, body);
      } catch (error) {
        const e = error as { code: string; details: Record<string, unknown> };
        return `${e.code} ${e.details.field}`;
      }
      return "resolved";
    };
    expect(await refusal({ name: "n", license: "other" })).toBe("INVALID_INPUT licenseUrl");
    expect(await refusal({ name: "n", license: "Other", licenseUrl: "" })).toBe("INVALID_INPUT licenseUrl");
    expect(await refusal({ name: "n", license: "other", licenseUrl: "not a url" })).toBe("INVALID_INPUT licenseUrl");
    expect(await refusal({ name: "n", license: "other", licenseUrl: "javascript:alert(1)" })).toBe("INVALID_INPUT licenseUrl");
    expect(await refusal({ name: "n", license: "other", licenseUrl: `https://x.example/${"a".repeat(500)}` })).toBe(
      "INVALID_INPUT licenseUrl",
    );
    expect(await refusal({ name: "n", license: "CC0-1.0", tags: Array.from({ length: 11 }, (_, i) => `t${i}`) })).toBe(
      "INVALID_INPUT tags",
    );
    expect(await refusal({ name: "n", license: "CC0-1.0", tags: ["ok", "no spaces"] })).toBe("INVALID_INPUT tags.1");
    expect(await refusal({ name: "n", license: "CC0-1.0", tags: ["<b>"] })).toBe("INVALID_INPUT tags.0");
    expect(await refusal({ name: "n", license: "CC0-1.0", tags: ["a".repeat(33)] })).toBe("INVALID_INPUT tags.0");
    expect(await refusal({ name: "n", license: "CC0-1.0", tags: ["sea", "SEA"] })).toBe("INVALID_INPUT tags");
    expect(await refusal({ name: "", license: "CC0-1.0" })).toBe("INVALID_INPUT name");
    // Tags are normalised to lowercase; an empty list is no list, so older metadata keeps its URI.
    const draft = await draftDatanet(ctx, {
      name: "n",
      license: "other",
      licenseUrl: "https://x.example/l",
      tags: [" Sea ", "us-history"],
    });
    expect(draft.metadata).toMatchObject({ licenseUrl: "https://x.example/l", tags: ["sea", "us-history"] });
    const plain = await draftDatanet(ctx, { name: "n", license: "CC0-1.0" });
    expect((await draftDatanet(ctx, { name: "n", license: "CC0-1.0", tags: [] })).metadataUri).toBe(plain.metadataUri);
  });

  it("refuses at the draft a contribution to a closed datanet, before anything reaches the chain (issue 12)", async () => {
    const draft = await draftDatanet(ctx, { name: "Closing soon", license: "CC0-1.0" });
    await chain.send(publisher, { address: ctx.token, abi: testUsdAbi, functionName: "approve", args: [ctx.registry, draft.minStake] });
    const { id } = await confirmDatanet(ctx, { txHash: await send(publisher, draft.call) });
    await send(publisher, { address: ctx.registry, functionName: "requestUnstake", args: [0, id] });
    const contributor = devAccounts[alice].address;
    expect(await code(draftContribution(ctx, id.toString(), { contributor, records: ["Too late."] }))).toBe("DATANET_CLOSED");
  });

  it("stores a datanet's licence URL and tags, and a repeated confirmation without the draft finds them", async () => {
    const metadata = {
      name: "Ship logs",
      description: "| a | b |\n| - | - |",
      license: "other",
      licenseUrl: "https://x.example/logs",
      tags: ["logs"],
    };
    const draft = await draftDatanet(ctx, metadata);
    await chain.send(publisher, { address: ctx.token, abi: testUsdAbi, functionName: "approve", args: [ctx.registry, draft.minStake] });
    const txHash = await send(publisher, draft.call);
    const published = await confirmDatanet(ctx, { txHash });
    expect(published).toMatchObject({ license: "other", licenseUrl: "https://x.example/logs", tags: ["logs"], created: true });
    const detail = await datanetDetail(ctx, published.id.toString());
    expect(detail.datanet).toMatchObject({ licenseUrl: "https://x.example/logs", tags: ["logs"] });
    expect(await confirmDatanet(ctx, { txHash })).toMatchObject({ id: published.id, created: false, tags: ["logs"] });
  });

  it("refuses a draft whose record copies earlier records of the datanet, disguised and padded, before any transaction", async () => {
    const id = datanetId.toString();
    const passage = sentences(loadMobyDick(2)[1].text).slice(0, 8).join(" ");
    const draft = await draftContribution(ctx, id, { contributor: devAccounts[alice].address, records: [passage] });
    const confirmed = await confirmContributionRequest(ctx, id, { txHash: await send(alice, draft.call) });
    const before = (await listContributions(handle.db, datanetId)).length;
    // Bob's copy: Cyrillic о for o, zero-width spaces inside words, and a line of his own.
    const disguised = passage.replace(/o/g, "\u043E").replace(/\b(\w{3})(\w)/g, "$1\u200B$2");
    const records = ["An original line of my own about harpoons and tea.", `${disguised} Quokka ledgers glimmer sideways tonight.`];
    await expect(draftContribution(ctx, id, { contributor: devAccounts[bob].address, records })).rejects.toMatchObject({
      code: "CONTRIBUTION_COPIES_EARLIER",
      status: 409,
      details: { position: 1, copies: `${confirmed.id}:0` },
    });
    expect((await listContributions(handle.db, datanetId)).length).toBe(before);
    // His own text is drafted as before.
    const own = sentences(loadMobyDick(3)[2].text).slice(0, 6).join(" ");
    expect((await draftContribution(ctx, id, { contributor: devAccounts[bob].address, records: [own] })).recordCount).toBe(1);
  });
});
