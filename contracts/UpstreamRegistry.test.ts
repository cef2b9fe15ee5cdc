import { type Address, type Hex, keccak256, toHex } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testUsdAbi, upstreamMarketAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { dev, expectRevert } from "./test/helpers";

const USD = 1_000_000n;
const STAKE = 10n * USD;
const UNSTAKE_DELAY = 1_000n;
const OWNER = 2;
const CONTRIBUTOR = 3;
const OTHER = 4;
const OUTSIDER = 9;
const DISPUTER = 8;
const ADMIN_DELAY = 100n;
const SLASH_DELAY = 3n * 86_400n;
const SLASH_WINDOW = 7n * 86_400n;
const DATANET = 0;
const MODEL = 1;
const ROOT = keccak256(toHex("records"));

let f: MarketFixture;
let registry: Address;
let snapshot: Hex;

beforeAll(async () => {
  f = await startMarketFixture({ unstakeDelay: UNSTAKE_DELAY, disputer: dev(DISPUTER), adminDelay: ADMIN_DELAY });
  registry = f.deployment.registry;
  for (const who of [OWNER, CONTRIBUTOR, OTHER]) {
    await f.send(who, { address: f.deployment.token, abi: testUsdAbi, functionName: "faucet", args: [1_000n * USD] });
    await f.send(who, { address: f.deployment.token, abi: testUsdAbi, functionName: "approve", args: [registry, 1_000n * USD] });
  }
});
afterAll(async () => {
  await f?.stop();
});
beforeEach(async () => {
  snapshot = await f.snapshot();
});
afterEach(async () => {
  await f.revert(snapshot);
});

const call = (from: number, functionName: string, args: readonly unknown[] = []) =>
  f.send(from, { address: registry, abi: upstreamRegistryAbi, functionName, args });
const attempt = (from: number, functionName: string, args: readonly unknown[] = []) =>
  f.wallet(from).writeContract({ address: registry, abi: upstreamRegistryAbi, functionName: functionName as never, args: args as never });
const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  f.client.readContract({
    address: registry,
    abi: upstreamRegistryAbi,
    functionName: functionName as never,
    args: args as never,
  }) as Promise<T>;
const tokenBalance = (a: Address) =>
  f.client.readContract({ address: f.deployment.token, abi: testUsdAbi, functionName: "balanceOf", args: [a] });

async function publishDatanet(from = OWNER, stake = STAKE) {
  return call(from, "publishDatanet", ["ipfs://datanet", "CC-BY-4.0", stake]);
}
async function publishModel(from = OWNER, datanets = [1n]) {
  return call(from, "publishModel", ["ipfs://model", "builtin:ngram", datanets, 2_000n, 3_000, STAKE]);
}

describe("datanets and contributions", () => {
  it("publishes with a stake and anchors contributions with ids and record ids in on-chain order", async () => {
    const r = await publishDatanet();
    expect(f.events(r, upstreamRegistryAbi as never).find((e) => e.eventName === "DatanetPublished")?.args).toMatchObject({
      datanetId: 1n,
      owner: dev(OWNER),
      stake: STAKE,
    });
    expect(await tokenBalance(registry)).toBe(STAKE);
    const c1 = await call(CONTRIBUTOR, "addContribution", [1n, ROOT, 5]);
    const c2 = await call(OTHER, "addContribution", [1n, keccak256(toHex("more")), 3]);
    const e1 = f.events(c1, upstreamRegistryAbi as never)[0].args;
    const e2 = f.events(c2, upstreamRegistryAbi as never)[0].args;
    expect(e1).toMatchObject({
      contributionId: 1n,
      datanetId: 1n,
      contributor: dev(CONTRIBUTOR),
      merkleRoot: ROOT,
      recordCount: 5n,
      firstRecordId: 1n,
    });
    expect(e2).toMatchObject({ contributionId: 2n, contributor: dev(OTHER), recordCount: 3n, firstRecordId: 6n });
    const stored = await read<{ contributor: Address; firstRecordId: bigint }>("getContribution", [2n]);
    expect(stored.contributor).toBe(dev(OTHER));
    expect(await read<bigint>("recordCount")).toBe(8n);
  });

  it("rejects bad contributions and stakes with custom errors", async () => {
    await expectRevert(attempt(OWNER, "publishDatanet", ["ipfs://d", "MIT", STAKE - 1n]), "StakeTooLow", [STAKE - 1n, STAKE]);
    await expectRevert(attempt(OWNER, "publishDatanet", ["", "MIT", STAKE]), "EmptyMetadata");
    await expectRevert(attempt(CONTRIBUTOR, "addContribution", [1n, ROOT, 1]), "UnknownDatanet", [1n]);
    await publishDatanet();
    await expectRevert(attempt(CONTRIBUTOR, "addContribution", [1n, ROOT, 0]), "EmptyContribution");
    await expectRevert(attempt(CONTRIBUTOR, "addContribution", [1n, `0x${"00".repeat(32)}`, 1]), "EmptyContribution");
    expect(await read<bigint>("contributionCount")).toBe(0n);
  });
});

describe("models", () => {
  it("publishes a model and versions every update of price, split and status", async () => {
    await publishDatanet();
    await publishDatanet(OTHER);
    const r = await publishModel(OWNER, [1n, 2n]);
    expect(f.events(r, upstreamRegistryAbi as never).find((e) => e.eventName === "ModelPublished")?.args).toMatchObject({
      modelId: 1n,
      owner: dev(OWNER),
      backendId: "builtin:ngram",
      datanetIds: [1n, 2n],
      pricePerCall: 2_000n,
      ownerBps: 3_000,
    });
    const u1 = await call(OWNER, "updateModel", [1n, 2_500n, 4_000, 1]);
    expect(f.events(u1, upstreamRegistryAbi as never)[0].args).toMatchObject({
      modelId: 1n,
      version: 2n,
      pricePerCall: 2_500n,
      ownerBps: 4_000,
      status: 1,
    });
    const u2 = await call(OWNER, "updateModel", [1n, 2_500n, 4_000, 0]);
    expect(f.events(u2, upstreamRegistryAbi as never)[0].args).toMatchObject({ version: 3n, status: 0 });
    const model = await read<{ version: bigint; pricePerCall: bigint; datanetIds: readonly bigint[] }>("getModel", [1n]);
    expect(model).toMatchObject({ version: 3n, pricePerCall: 2_500n, datanetIds: [1n, 2n] });
  });

  it("rejects bad model arguments and updates by others", async () => {
    await publishDatanet();
    const spec = (datanets: bigint[], price: bigint, bps: number) => ["ipfs://m", "builtin", datanets, price, bps, STAKE];
    await expectRevert(attempt(OWNER, "publishModel", spec([1n], 0n, 100)), "ZeroPrice");
    await expectRevert(attempt(OWNER, "publishModel", spec([1n], 1n, 10_001)), "InvalidSplit", [10_001]);
    await expectRevert(attempt(OWNER, "publishModel", spec([], 1n, 100)), "InvalidDatanetList");
    await expectRevert(attempt(OWNER, "publishModel", spec([1n, 1n], 1n, 100)), "InvalidDatanetList");
    await expectRevert(attempt(OWNER, "publishModel", spec([7n], 1n, 100)), "UnknownDatanet", [7n]);
    await expectRevert(attempt(OWNER, "publishModel", ["ipfs://m", "b", [1n], 1n, 100, STAKE - 1n]), "StakeTooLow");
    await publishModel();
    await expectRevert(attempt(OTHER, "updateModel", [1n, 1n, 100, 0]), "NotOwner", [dev(OTHER)]);
    await expectRevert(attempt(OWNER, "updateModel", [2n, 1n, 100, 0]), "UnknownModel", [2n]);
    await expectRevert(attempt(OWNER, "updateModel", [1n, 1n, 100, 2]), "InvalidStatus");
    expect((await read<{ version: bigint }>("getModel", [1n])).version).toBe(1n);
  });

  it("refuses an owner share that, with the highest fee the market can charge, would exceed 100% of the price", async () => {
    const maxFee = await f.client.readContract({ address: f.deployment.market, abi: upstreamMarketAbi, functionName: "MAX_FEE_BPS" });
    const most = 10_000 - maxFee;
    expect(await read<number>("MAX_OWNER_BPS")).toBe(most);
    await publishDatanet();
    const spec = (bps: number) => ["ipfs://m", "builtin", [1n], 1n, bps, STAKE];
    await expectRevert(attempt(OWNER, "publishModel", spec(most + 1)), "InvalidSplit", [most + 1]);
    await call(OWNER, "publishModel", spec(most));
    await expectRevert(attempt(OWNER, "updateModel", [1n, 1n, most + 1, 0]), "InvalidSplit", [most + 1]);
    await call(OWNER, "updateModel", [1n, 1n, most - 1, 0]);
    expect((await read<{ version: bigint; ownerBps: number }>("getModel", [1n])).ownerBps).toBe(most - 1);
  });

  it("refuses a model on a closed datanet (issue 10, item 7)", async () => {
    await publishDatanet();
    await publishDatanet(OTHER);
    await call(OWNER, "requestUnstake", [DATANET, 1n]);
    expect((await read<{ active: boolean }>("getDatanet", [1n])).active).toBe(false);
    await expectRevert(attempt(OWNER, "publishModel", ["ipfs://m", "builtin", [2n, 1n], 1n, 100, STAKE]), "DatanetNotActive", [1n]);
    await expectRevert(attempt(OTHER, "publishModel", ["ipfs://m", "builtin", [1n], 1n, 100, STAKE]), "DatanetNotActive", [1n]);
    await publishModel(OWNER, [2n]);
    expect(await read<bigint>("modelCount")).toBe(1n);
  });
});

describe("stakes", () => {
  it("unstakes only after the delay; the subject is retired at once", async () => {
    await publishDatanet();
    await publishModel();
    await expectRevert(attempt(OTHER, "requestUnstake", [DATANET, 1n]), "NotOwner");
    await expectRevert(attempt(OWNER, "withdrawStake", [DATANET, 1n]), "StakeLocked", [0n]);
    const r = await call(OWNER, "requestUnstake", [DATANET, 1n]);
    expect(f.events(r, upstreamRegistryAbi as never).map((e) => e.eventName)).toEqual(["DatanetClosed", "UnstakeRequested"]);
    await expectRevert(attempt(CONTRIBUTOR, "addContribution", [1n, ROOT, 1]), "DatanetNotActive", [1n]);
    await expectRevert(attempt(OWNER, "requestUnstake", [DATANET, 1n]), "AlreadyUnstaking");
    await expectRevert(attempt(OWNER, "withdrawStake", [DATANET, 1n]), "StakeLocked");
    await f.increaseTime(UNSTAKE_DELAY);
    const before = await tokenBalance(dev(OWNER));
    await call(OWNER, "withdrawStake", [DATANET, 1n]);
    expect((await tokenBalance(dev(OWNER))) - before).toBe(STAKE);
    await expectRevert(attempt(OWNER, "withdrawStake", [DATANET, 1n]), "NoStake");

    const m = await call(OWNER, "requestUnstake", [MODEL, 1n]);
    expect(f.events(m, upstreamRegistryAbi as never)[0]).toMatchObject({ eventName: "ModelUpdated", args: { version: 2n, status: 2 } });
    await expectRevert(attempt(OWNER, "updateModel", [1n, 1n, 100, 0]), "ModelIsRetired", [1n]);
  });

  it("slashes to the treasury by the dispute role only, after SLASH_DELAY, also during the unstake delay", async () => {
    await publishDatanet();
    await call(OWNER, "requestUnstake", [DATANET, 1n]);
    const reason = keccak256(toHex("copied corpus"));
    await expectRevert(attempt(OUTSIDER, "proposeSlash", [DATANET, 1n, USD, reason]), "AccessControlUnauthorizedAccount");
    await expectRevert(attempt(DISPUTER, "proposeSlash", [DATANET, 1n, STAKE + 1n, reason]), "SlashTooLarge", [STAKE + 1n, STAKE]);
    const treasuryBefore = await tokenBalance(f.deployment.treasury);
    const p = await call(DISPUTER, "proposeSlash", [DATANET, 1n, 4n * USD, reason]);
    const executableAt = (await f.now()) + SLASH_DELAY;
    expect(f.events(p, upstreamRegistryAbi as never).find((e) => e.eventName === "SlashProposed")?.args).toMatchObject({
      amount: 4n * USD,
      reason,
      treasury: f.deployment.treasury,
      executableAt,
    });
    await expectRevert(attempt(DISPUTER, "executeSlash", [DATANET, 1n]), "SlashNotReady", [executableAt]);
    await f.increaseTime(SLASH_DELAY);
    const r = await call(DISPUTER, "executeSlash", [DATANET, 1n]);
    expect(f.events(r, upstreamRegistryAbi as never).find((e) => e.eventName === "Slashed")?.args).toMatchObject({
      amount: 4n * USD,
      reason,
    });
    expect((await tokenBalance(f.deployment.treasury)) - treasuryBefore).toBe(4n * USD);
    await expectRevert(attempt(DISPUTER, "executeSlash", [DATANET, 1n]), "NoPendingSlash");
    await f.increaseTime(UNSTAKE_DELAY);
    const before = await tokenBalance(dev(OWNER));
    await call(OWNER, "withdrawStake", [DATANET, 1n]);
    expect((await tokenBalance(dev(OWNER))) - before).toBe(STAKE - 4n * USD);
    expect(await tokenBalance(registry)).toBe(0n);
  });

  it("refuses every admin function to an outsider and changes nothing", async () => {
    const before = [await read("minDatanetStake"), await read("minModelStake"), await read("unstakeDelay"), await read("treasury")];
    await expectRevert(attempt(OUTSIDER, "setMinimumStakes", [0n, 0n]), "AccessControlUnauthorizedAccount");
    await expectRevert(attempt(OUTSIDER, "setUnstakeDelay", [0n]), "AccessControlUnauthorizedAccount");
    await expectRevert(attempt(OUTSIDER, "setTreasury", [dev(OUTSIDER)]), "AccessControlUnauthorizedAccount");
    const role = await read<Hex>("DISPUTE_ROLE");
    await expectRevert(attempt(OUTSIDER, "grantRole", [role, dev(OUTSIDER)]), "AccessControlUnauthorizedAccount");
    await expectRevert(attempt(OUTSIDER, "revokeRole", [role, dev(DISPUTER)]), "AccessControlUnauthorizedAccount");
    await publishDatanet();
    await call(OWNER, "requestUnstake", [DATANET, 1n]);
    await f.increaseTime(UNSTAKE_DELAY);
    await expectRevert(attempt(OUTSIDER, "withdrawStake", [DATANET, 1n]), "NotOwner", [dev(OUTSIDER)]);
    expect(await read<boolean>("hasRole", [role, dev(DISPUTER)])).toBe(true);
    expect([await read("minDatanetStake"), await read("minModelStake"), await read("unstakeDelay"), await read("treasury")]).toEqual(
      before,
    );
    await expectRevert(attempt(0, "setUnstakeDelay", [91n * 86_400n]), "DelayTooLong");
    await expectRevert(attempt(0, "setTreasury", ["0x0000000000000000000000000000000000000000"]), "ZeroAddress");
    const r = await call(0, "setMinimumStakes", [USD, 2n * USD]);
    expect(f.events(r, upstreamRegistryAbi as never)[0]).toMatchObject({
      eventName: "MinimumStakesSet",
      args: { minDatanetStake: USD, minModelStake: 2n * USD },
    });
  });
});

describe("power of the admin (issue 10, item 8)", () => {
  const reason = keccak256(toHex("copied corpus"));

  it("the admin cannot slash a whole stake in one transaction with no warning", async () => {
    await publishDatanet();
    const before = await tokenBalance(f.deployment.treasury);
    await expect(attempt(0, "slash", [DATANET, 1n, STAKE, reason])).rejects.toThrow();
    await expectRevert(attempt(0, "proposeSlash", [DATANET, 1n, STAKE, reason]), "AccessControlUnauthorizedAccount");
    expect(await tokenBalance(f.deployment.treasury)).toBe(before);
    expect((await read<{ amount: bigint }>("getStake", [DATANET, 1n])).amount).toBe(STAKE);
  });

  it("the admin neither holds nor can grant itself the dispute role", async () => {
    const role = await read<Hex>("DISPUTE_ROLE");
    expect(await read<boolean>("hasRole", [role, dev(0)])).toBe(false);
    await expect(attempt(0, "grantRole", [role, dev(0)])).rejects.toThrow();
    await expectRevert(attempt(0, "grantRole", [role, dev(0)]), "AdminMayNotDispute", [dev(0)]);
    expect(await read<boolean>("hasRole", [role, dev(0)])).toBe(false);
  });

  it("the admin cannot hand its role over in one step", async () => {
    const admin = await read<Hex>("DEFAULT_ADMIN_ROLE");
    await expect(attempt(0, "grantRole", [admin, dev(OUTSIDER)])).rejects.toThrow();
    expect(await read<boolean>("hasRole", [admin, dev(OUTSIDER)])).toBe(false);
    expect(await read<boolean>("hasRole", [admin, dev(0)])).toBe(true);
    await expectRevert(attempt(OUTSIDER, "acceptDefaultAdminTransfer"), "AccessControlInvalidDefaultAdmin", [dev(OUTSIDER)]);
    await call(0, "beginDefaultAdminTransfer", [dev(OUTSIDER)]);
    await expectRevert(attempt(OUTSIDER, "acceptDefaultAdminTransfer"), "AccessControlEnforcedDefaultAdminDelay");
    await f.increaseTime(ADMIN_DELAY + 1n);
    await call(OUTSIDER, "acceptDefaultAdminTransfer");
    expect(await read<Address>("defaultAdmin")).toBe(dev(OUTSIDER));
    expect(await read<boolean>("hasRole", [admin, dev(0)])).toBe(false);
  });

  it("the dispute role's holder cannot become admin", async () => {
    await call(0, "beginDefaultAdminTransfer", [dev(DISPUTER)]);
    await f.increaseTime(ADMIN_DELAY + 1n);
    await expectRevert(attempt(DISPUTER, "acceptDefaultAdminTransfer"), "AdminMayNotDispute", [dev(DISPUTER)]);
    expect(await read<Address>("defaultAdmin")).toBe(dev(0));
  });

  it("the staker sees a slash coming and cannot withdraw to escape it; it lapses if never executed", async () => {
    await publishDatanet();
    await call(OWNER, "requestUnstake", [DATANET, 1n]);
    await call(DISPUTER, "proposeSlash", [DATANET, 1n, STAKE, reason]);
    const pending = await read<{ amount: bigint; executableAt: bigint; treasury: Address }>("getPendingSlash", [DATANET, 1n]);
    expect(pending).toMatchObject({ amount: STAKE, reason, treasury: f.deployment.treasury });
    await expectRevert(attempt(DISPUTER, "proposeSlash", [DATANET, 1n, USD, reason]), "SlashPending", [pending.executableAt]);
    await f.increaseTime(UNSTAKE_DELAY);
    await expectRevert(attempt(OWNER, "withdrawStake", [DATANET, 1n]), "SlashPending", [pending.executableAt]);
    // a treasury changed after the proposal redirects nothing pending
    await call(0, "setTreasury", [dev(OUTSIDER)]);
    expect((await read<{ treasury: Address }>("getPendingSlash", [DATANET, 1n])).treasury).toBe(f.deployment.treasury);
    await f.increaseTime(SLASH_DELAY + SLASH_WINDOW);
    await expectRevert(attempt(DISPUTER, "executeSlash", [DATANET, 1n]), "NoPendingSlash");
    const before = await tokenBalance(dev(OWNER));
    await call(OWNER, "withdrawStake", [DATANET, 1n]);
    expect((await tokenBalance(dev(OWNER))) - before).toBe(STAKE);
  });

  it("the admin can cancel a proposed slash but not make one", async () => {
    await publishDatanet();
    await expectRevert(attempt(0, "proposeSlash", [DATANET, 1n, USD, reason]), "AccessControlUnauthorizedAccount");
    await call(DISPUTER, "proposeSlash", [DATANET, 1n, USD, reason]);
    await expectRevert(attempt(OUTSIDER, "cancelSlash", [DATANET, 1n]), "AccessControlUnauthorizedAccount");
    const r = await call(0, "cancelSlash", [DATANET, 1n]);
    expect(f.events(r, upstreamRegistryAbi as never)[0]).toMatchObject({ eventName: "SlashCancelled", args: { id: 1n } });
    await f.increaseTime(SLASH_DELAY);
    await expectRevert(attempt(DISPUTER, "executeSlash", [DATANET, 1n]), "NoPendingSlash");
    expect((await read<{ amount: bigint }>("getStake", [DATANET, 1n])).amount).toBe(STAKE);
  });
});
