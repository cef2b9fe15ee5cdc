import { type Abi, type Address, type Hex, toFunctionSelector } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testUsdAbi, upstreamMarketAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { deployUpstream } from "@/lib/chain/deploy";
import { deployerAccount, devAccounts, settlerAccount } from "@/lib/chain/devAccounts";
import { fixtureFor, type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { signSpendPermit } from "@/lib/chain/permit";
import { skipReasonName } from "@/lib/chain/settlement";
import { type Artifact, compileContracts } from "@/scripts/compile";
import { books, dev, inference } from "./test/helpers";

const FEE_BPS = 250;
const USD = 1_000_000n;
const GUARD_ERROR = toFunctionSelector("ReentrancyGuardReentrantCall()");

let f: MarketFixture; // market on TestUSD
let h: MarketFixture; // market and registry on the hostile HookToken
let artifacts: Record<string, Artifact>;

async function deploy(name: string, args: readonly unknown[] = []): Promise<Address> {
  const { abi, bytecode } = artifacts[name];
  const hash = await f.wallet(0).deployContract({ abi, bytecode, args } as never);
  const receipt = await f.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  return receipt.contractAddress!;
}

beforeAll(async () => {
  artifacts = compileContracts({ set: "test" });
  f = await startMarketFixture({ feeBps: FEE_BPS });
  const hook = await deploy("HookToken");
  const deployment = await deployUpstream({
    rpcUrl: f.anvil.rpcUrl,
    deployerKey: deployerAccount.privateKey,
    token: hook,
    settler: settlerAccount.address,
    treasury: deployerAccount.address,
    feeBps: FEE_BPS,
    withdrawalDelay: 60n,
    unstakeDelay: 60n,
  });
  h = fixtureFor(f.anvil, deployment);
}, 240_000); // compiling the test contracts is slow on a busy machine
afterAll(async () => {
  await f?.stop();
});

async function attacker() {
  const address = await deploy("ReentrantAccount", [h.deployment.token, h.deployment.market, h.deployment.registry]);
  const abi = artifacts.ReentrantAccount.abi;
  const run = (functionName: string, args: readonly unknown[] = []) => h.send(0, { address, abi, functionName, args });
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    h.client.readContract({ address, abi, functionName, args }) as Promise<T>;
  const balance = () => h.client.readContract({ address: h.deployment.token, abi: testUsdAbi, functionName: "balanceOf", args: [address] });
  return { address, run, read, balance };
}

async function expectBooksBalanced(m: MarketFixture, accounts: Address[]) {
  const b = await books(m, accounts);
  expect(b.tokenBalance).toBe(b.deposits.reduce((s, d) => s + d, 0n) + b.claimable.reduce((s, c) => s + c, 0n) + b.feesOwed);
}

describe("reentrancy through a hostile token that calls the receiver back", () => {
  it("a payee re-entering claim is stopped by the guard and paid once", async () => {
    const evil = await attacker();
    await h.fund(6, 10n * USD);
    const permit = await h.signPermit(6, { cap: 10n * USD, expiry: (await h.now()) + 3_600n, nonce: 1n });
    await h.settle([inference(1n, permit, 4_000n, [evil.address], FEE_BPS)]);
    await evil.run("claim");
    expect(await evil.balance()).toBe(3_900n);
    expect(await evil.read<bigint>("reentryAttempts")).toBe(1n);
    expect(await evil.read<bigint>("reentrySuccesses")).toBe(0n);
    expect((await evil.read<Hex>("reentryError", [h.deployment.market])).slice(0, 10)).toBe(GUARD_ERROR);
    expect(
      await h.client.readContract({
        address: h.deployment.market,
        abi: upstreamMarketAbi,
        functionName: "claimableOf",
        args: [evil.address],
      }),
    ).toBe(0n);
    await expectBooksBalanced(h, [dev(6), evil.address]);
  });

  it("a payer re-entering withdraw is stopped by the guard and paid once", async () => {
    const evil = await attacker();
    await evil.run("fundAndDeposit", [5n * USD]);
    await evil.run("requestWithdrawal", [5n * USD]);
    await h.increaseTime(60n);
    await evil.run("withdraw");
    expect(await evil.balance()).toBe(5n * USD);
    expect(await evil.read<bigint>("reentrySuccesses")).toBe(0n);
    expect((await evil.read<Hex>("reentryError", [h.deployment.market])).slice(0, 10)).toBe(GUARD_ERROR);
    await expectBooksBalanced(h, [dev(6), evil.address]);
  });

  it("a staker re-entering withdrawStake is stopped by the guard and paid once", async () => {
    const evil = await attacker();
    await evil.run("publishDatanet", [10n * USD]);
    const id = await h.client.readContract({ address: h.deployment.registry, abi: upstreamRegistryAbi, functionName: "datanetCount" });
    await evil.run("requestUnstake", [id]);
    await h.increaseTime(60n);
    await evil.run("withdrawStake", [id]);
    expect(await evil.balance()).toBe(10n * USD);
    expect(await evil.read<bigint>("reentrySuccesses")).toBe(0n);
    expect((await evil.read<Hex>("reentryError", [h.deployment.registry])).slice(0, 10)).toBe(GUARD_ERROR);
  });
});

describe("contract payers (ERC-1271)", () => {
  async function contractPayer(mode: number, nonce = 1n) {
    const owner = devAccounts[5];
    const address = await deploy("ContractPayer", [owner.address, f.deployment.market, mode]);
    await f.send(5, { address: f.deployment.token, abi: testUsdAbi, functionName: "faucetTo", args: [address, 10n * USD] });
    await f.send(5, { address, abi: artifacts.ContractPayer.abi as Abi, functionName: "deposit", args: [f.deployment.token, 10n * USD] });
    const permit = await signSpendPermit({
      signer: f.wallet(5).account as never,
      chainId: f.anvil.chainId,
      market: f.deployment.market,
      permit: { payer: address, spender: f.deployment.settler, cap: 10n * USD, expiry: (await f.now()) + 3_600n, nonce },
    });
    return { address, permit };
  }
  const outcome = (receipt: Awaited<ReturnType<MarketFixture["settle"]>>) =>
    f.events(receipt).map((e) => (e.eventName === "InferenceSkipped" ? skipReasonName(Number(e.args.reason)) : e.eventName));

  it("settles under a smart wallet's ERC-1271 signature", async () => {
    const payer = await contractPayer(0);
    const r = await f.settle([inference(1n, payer.permit, 1_000n, [dev(2)], FEE_BPS)]);
    expect(outcome(r)).toContain("InferenceSettled");
    expect(
      await f.client.readContract({
        address: f.deployment.market,
        abi: upstreamMarketAbi,
        functionName: "depositOf",
        args: [payer.address],
      }),
    ).toBe(10n * USD - 1_000n);
  });

  it("a signature check that tries to change state (claim) cannot: the permit is invalid, nothing moves", async () => {
    const payer = await contractPayer(1);
    const before = await books(f, [payer.address, dev(2)]);
    const r = await f.settle([inference(2n, payer.permit, 1_000n, [dev(2)], FEE_BPS)]);
    expect(outcome(r)).toContain("PermitInvalid");
    expect(await books(f, [payer.address, dev(2)])).toEqual(before);
  });

  it("a wallet that burns gas or return-bombs only invalidates its own permit; the batch settles the rest", async () => {
    const burner = await contractPayer(2);
    const bomber = await contractPayer(3);
    const honest = await contractPayer(0);
    const r = await f.settle([
      inference(10n, burner.permit, 1_000n, [dev(2)], FEE_BPS),
      inference(11n, bomber.permit, 1_000n, [dev(2)], FEE_BPS),
      inference(12n, honest.permit, 1_000n, [dev(2)], FEE_BPS),
    ]);
    const byId = new Map(
      f
        .events(r)
        .filter((e) => e.eventName.startsWith("Inference"))
        .map((e) => [e.args.inferenceId, e.eventName === "InferenceSkipped" ? skipReasonName(Number(e.args.reason)) : "Settled"]),
    );
    expect([byId.get(10n), byId.get(11n), byId.get(12n)]).toEqual(["PermitInvalid", "Settled", "Settled"]);
    // A bounded check costs the batch at most the allowance, not all its gas.
    expect(r.gasUsed).toBeLessThan(600_000n);
  });

  it("an EOA that delegates with EIP-7702 to a rejecting wallet after signing stays charged under its ECDSA permit", async () => {
    const payer = devAccounts[7];
    await f.fund(payer.index, 10n * USD);
    const permit = await f.signPermit(payer.index, { cap: 10n * USD, expiry: (await f.now()) + 3_600n, nonce: 1n });
    expect(outcome(await f.settle([inference(20n, permit, 1_000n, [dev(2)], FEE_BPS)]))).toContain("InferenceSettled");

    // Mid-stream, the payer delegates its account (a type-4 transaction, sponsored by dev 0).
    const delegate = await deploy("RejectingDelegate");
    const authorization = await f
      .wallet(payer.index)
      .signAuthorization({ account: f.wallet(payer.index).account, contractAddress: delegate });
    const hash = await f.wallet(0).sendTransaction({ to: dev(0), authorizationList: [authorization] });
    expect((await f.client.waitForTransactionReceipt({ hash, pollingInterval: 20 })).status).toBe("success");
    expect(await f.client.getCode({ address: payer.address })).toBe(`0xef0100${delegate.slice(2).toLowerCase()}`);

    const before = await books(f, [payer.address]);
    const r = await f.settle([inference(21n, permit, 1_000n, [dev(2)], FEE_BPS)]);
    expect(outcome(r)).toEqual(["InferenceSettled", "PermitSpent", "BatchSettled"]);
    expect((await books(f, [payer.address])).deposits).toEqual([before.deposits[0] - 1_000n]);
  });
});
