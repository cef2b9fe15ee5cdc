import { type Address, encodeAbiParameters, type Hex, keccak256, pad, parseSignature, toHex } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testUsdAbi, upstreamMarketAbi } from "@/lib/chain/abis";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { erc2612PermitTypes, hashSpendPermit, type SignedSpendPermit, signSpendPermit } from "@/lib/chain/permit";
import { decodePayouts, encodeSettlementBatch, type SettlementInference, skipReasonName } from "@/lib/chain/settlement";
import { addressFor, books, dev, expectRevert, inference } from "./test/helpers";

const FEE_BPS = 250;
const DELAY = 3_600n;
const WINDOW = 86_400n;
const ALICE = 6; // payers
const BOB = 7;
const CAROL = 2; // payees with keys
const DAVE = 3;
const OUTSIDER = 9;
const USD = 1_000_000n;

let f: MarketFixture;
let snapshot: Hex;
let market: Address;
let token: Address;
let expiry: bigint;
let alicePermit: SignedSpendPermit;
let bobPermit: SignedSpendPermit;
const watched = [dev(ALICE), dev(BOB), dev(CAROL), dev(DAVE), addressFor("erin"), dev(0)];

beforeAll(async () => {
  f = await startMarketFixture({ feeBps: FEE_BPS, withdrawalDelay: DELAY, withdrawalWindow: WINDOW });
  ({ market, token } = f.deployment);
  await f.fund(ALICE, 100n * USD);
  await f.fund(BOB, 100n * USD);
  expiry = (await f.now()) + 86_400n;
  alicePermit = await f.signPermit(ALICE, { cap: 50n * USD, expiry, nonce: 1n });
  bobPermit = await f.signPermit(BOB, { cap: 50n * USD, expiry, nonce: 1n });
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
  f.send(from, { address: market, abi: upstreamMarketAbi, functionName, args });
const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  f.client.readContract({
    address: market,
    abi: upstreamMarketAbi,
    functionName: functionName as never,
    args: args as never,
  }) as Promise<T>;

function outcomes(receipt: Awaited<ReturnType<MarketFixture["settle"]>>) {
  return f.events(receipt).flatMap((e) => {
    if (e.eventName === "InferenceSettled") return [{ id: e.args.inferenceId as bigint, result: "Settled" }];
    if (e.eventName === "InferenceSkipped") return [{ id: e.args.inferenceId as bigint, result: skipReasonName(Number(e.args.reason)) }];
    return [];
  });
}

describe("deposits and withdrawals", () => {
  it("withdraws only after the delay, and only what settlements left", async () => {
    expect(await read<bigint>("depositOf", [dev(ALICE)])).toBe(100n * USD);
    await call(ALICE, "requestWithdrawal", [80n * USD]);
    await expectRevert(
      f.wallet(ALICE).writeContract({ address: market, abi: upstreamMarketAbi, functionName: "withdraw" }),
      "WithdrawalNotReady",
    );
    // A permit signed before the request can still be settled during the delay.
    await f.settle([inference(1n, alicePermit, 30n * USD, [dev(CAROL)], FEE_BPS)]);
    await f.increaseTime(DELAY);
    const before = await f.client.readContract({ address: token, abi: testUsdAbi, functionName: "balanceOf", args: [dev(ALICE)] });
    const receipt = await call(ALICE, "withdraw");
    expect(f.events(receipt).find((e) => e.eventName === "Withdrawn")?.args.amount).toBe(70n * USD);
    const after = await f.client.readContract({ address: token, abi: testUsdAbi, functionName: "balanceOf", args: [dev(ALICE)] });
    expect(after - before).toBe(70n * USD);
    expect(await read<bigint>("depositOf", [dev(ALICE)])).toBe(0n);
    await expectRevert(
      f.wallet(ALICE).writeContract({ address: market, abi: upstreamMarketAbi, functionName: "withdraw" }),
      "NoWithdrawalRequested",
    );
  });

  it("a ready request expires after the withdrawal window and must be made again", async () => {
    const window = await read<bigint>("withdrawalWindow");
    expect(window).toBe(WINDOW);
    const requested = await call(ALICE, "requestWithdrawal", [40n * USD]);
    const { timestamp } = await f.client.getBlock({ blockNumber: requested.blockNumber });
    expect(await read("withdrawalOf", [dev(ALICE)])).toEqual({
      amount: 40n * USD,
      readyAt: timestamp + DELAY,
      expiresAt: timestamp + DELAY + WINDOW,
    });
    await f.increaseTime(DELAY + WINDOW);
    await expectRevert(
      f.wallet(ALICE).writeContract({ address: market, abi: upstreamMarketAbi, functionName: "withdraw" }),
      "WithdrawalExpired",
      [timestamp + DELAY + WINDOW],
    );
    expect(await read<bigint>("depositOf", [dev(ALICE)])).toBe(100n * USD);
    // Asked again, it waits the whole delay again, then pays.
    await call(ALICE, "requestWithdrawal", [40n * USD]);
    await expectRevert(
      f.wallet(ALICE).writeContract({ address: market, abi: upstreamMarketAbi, functionName: "withdraw" }),
      "WithdrawalNotReady",
    );
    await f.increaseTime(DELAY);
    const receipt = await call(ALICE, "withdraw");
    expect(f.events(receipt).find((e) => e.eventName === "Withdrawn")?.args.amount).toBe(40n * USD);
  });

  it("cancels a request", async () => {
    await call(ALICE, "requestWithdrawal", [USD]);
    const receipt = await call(ALICE, "cancelWithdrawal");
    expect(f.events(receipt).map((e) => e.eventName)).toEqual(["WithdrawalCancelled"]);
    await f.increaseTime(DELAY);
    await expectRevert(
      f.wallet(ALICE).writeContract({ address: market, abi: upstreamMarketAbi, functionName: "withdraw" }),
      "NoWithdrawalRequested",
    );
  });

  it("deposits with an EIP-2612 permit in one transaction, and survives a front-run permit", async () => {
    const owner = devAccounts[DAVE];
    await f.send(DAVE, { address: token, abi: testUsdAbi, functionName: "faucet", args: [10n * USD] });
    const sign = async (value: bigint, nonce: bigint) =>
      parseSignature(
        await f.wallet(DAVE).signTypedData({
          domain: { name: "Test USD", version: "1", chainId: f.anvil.chainId, verifyingContract: token },
          types: erc2612PermitTypes,
          primaryType: "Permit",
          message: { owner: owner.address, spender: market, value, nonce, deadline: expiry },
        }),
      );
    const sig = await sign(4n * USD, 0n);
    await call(DAVE, "depositWithPermit", [4n * USD, expiry, Number(sig.v), sig.r, sig.s]);
    expect(await read<bigint>("depositOf", [owner.address])).toBe(4n * USD);

    // Someone submits the token permit first: the deposit still goes through on the allowance.
    const sig2 = await sign(3n * USD, 1n);
    await f.send(OUTSIDER, {
      address: token,
      abi: testUsdAbi,
      functionName: "permit",
      args: [owner.address, market, 3n * USD, expiry, Number(sig2.v), sig2.r, sig2.s],
    });
    await call(DAVE, "depositWithPermit", [3n * USD, expiry, Number(sig2.v), sig2.r, sig2.s]);
    expect(await read<bigint>("depositOf", [owner.address])).toBe(7n * USD);

    // A bad permit without allowance fails with a clear error.
    await expectRevert(
      f.wallet(DAVE).writeContract({
        address: market,
        abi: upstreamMarketAbi,
        functionName: "depositWithPermit",
        args: [USD, expiry, 27, sig2.r, sig2.s],
      }),
      "TokenPermitFailed",
    );
  });
});

describe("settleBatch", () => {
  it("debits payers, credits payees and the fee, and emits per-payee amounts that sum to the price", async () => {
    const payees = [dev(CAROL), dev(DAVE), addressFor("erin")];
    const items = [
      inference(1n, alicePermit, 2_000n, payees, FEE_BPS),
      inference(2n, bobPermit, 3_001n, payees.slice(1), FEE_BPS),
      inference(3n, alicePermit, 999n, [dev(CAROL)], FEE_BPS),
    ];
    const receipt = await f.settle(items);
    const settled = f.events(receipt).filter((e) => e.eventName === "InferenceSettled");
    expect(settled).toHaveLength(3);
    for (const [i, e] of settled.entries()) {
      const payouts = decodePayouts(e.args.payouts as bigint[]);
      expect(payouts).toEqual(items[i].payouts);
      expect(e.args.fee).toBe((items[i].price * 250n) / 10_000n);
      expect(payouts.reduce((s, p) => s + p.amount, 0n) + (e.args.fee as bigint)).toBe(items[i].price);
      expect(e.args.attributionHash).toBe(items[i].attributionHash);
      expect(e.args.modelId).toBe(1n);
    }
    const b = await books(f, watched);
    expect(b.deposits[0]).toBe(100n * USD - 2_999n);
    expect(b.deposits[1]).toBe(100n * USD - 3_001n);
    expect(b.feesOwed).toBe(50n + 75n + 24n);
    const claimable = b.claimable.reduce((s, c) => s + c, 0n);
    expect(claimable + b.feesOwed).toBe(2_000n + 3_001n + 999n);
    expect(b.tokenBalance).toBe(b.deposits.reduce((s, d) => s + d, 0n) + claimable + b.feesOwed);
    const spent = f
      .events(receipt)
      .filter((e) => e.eventName === "PermitSpent")
      .map((e) => e.args.spent);
    expect(spent.sort()).toEqual([2_999n, 3_001n].sort());
    expect(f.events(receipt).find((e) => e.eventName === "BatchSettled")?.args).toMatchObject({
      settled: 3n,
      skipped: 0n,
      charged: 6_000n,
    });
    expect(await read<boolean>("isSettled", [2n])).toBe(true);
    expect(await read<boolean>("isSettled", [4n])).toBe(false);
  });

  it("pays claims once (pull) and fees to the treasury", async () => {
    await f.settle([inference(1n, alicePermit, 10_000n, [dev(CAROL), dev(DAVE)], FEE_BPS)]);
    const owed = await read<bigint>("claimableOf", [dev(CAROL)]);
    const before = await f.client.readContract({ address: token, abi: testUsdAbi, functionName: "balanceOf", args: [dev(CAROL)] });
    await call(CAROL, "claim");
    const after = await f.client.readContract({ address: token, abi: testUsdAbi, functionName: "balanceOf", args: [dev(CAROL)] });
    expect(after - before).toBe(owed);
    await expectRevert(f.wallet(CAROL).writeContract({ address: market, abi: upstreamMarketAbi, functionName: "claim" }), "NothingToClaim");
    const treasuryBefore = await f.client.readContract({ address: token, abi: testUsdAbi, functionName: "balanceOf", args: [dev(0)] });
    await call(OUTSIDER, "collectFees");
    const treasuryAfter = await f.client.readContract({ address: token, abi: testUsdAbi, functionName: "balanceOf", args: [dev(0)] });
    expect(treasuryAfter - treasuryBefore).toBe(250n);
    await expectRevert(
      f.wallet(OUTSIDER).writeContract({ address: market, abi: upstreamMarketAbi, functionName: "collectFees" }),
      "NoFeesOwed",
    );
  });

  it("never charges twice: a resubmitted batch and a repeated id are skipped as AlreadySettled", async () => {
    const items = [inference(7n, alicePermit, 500n, [dev(CAROL)], FEE_BPS), inference(8n, bobPermit, 500n, [dev(DAVE)], FEE_BPS)];
    await f.settle(items);
    const first = await books(f, watched);
    const again = await f.settle([...items, inference(7n, bobPermit, 900n, [dev(DAVE)], FEE_BPS)]);
    expect(outcomes(again).map((o) => o.result)).toEqual(["AlreadySettled", "AlreadySettled", "AlreadySettled"]);
    expect(await books(f, watched)).toEqual(first);
    const dup = await f.settle([
      inference(9n, alicePermit, 500n, [dev(CAROL)], FEE_BPS),
      inference(9n, alicePermit, 500n, [dev(CAROL)], FEE_BPS),
    ]);
    expect(outcomes(dup).map((o) => o.result)).toEqual(["Settled", "AlreadySettled"]);
  });

  it("skips an expired permit, and accepts one up to its expiry second", async () => {
    const now = await f.now();
    const soon = await f.signPermit(ALICE, { cap: USD, expiry: now + 100n, nonce: 5n });
    await f.increaseTime(99n); // next block is at most at expiry
    const ok = await f.settle([inference(1n, soon, 100n, [dev(CAROL)], FEE_BPS)]);
    expect(outcomes(ok)[0].result).toBe("Settled");
    await f.increaseTime(10n);
    const before = await books(f, watched);
    const late = await f.settle([inference(2n, soon, 100n, [dev(CAROL)], FEE_BPS), inference(3n, bobPermit, 100n, [dev(CAROL)], FEE_BPS)]);
    expect(outcomes(late).map((o) => o.result)).toEqual(["PermitExpired", "Settled"]);
    const after = await books(f, watched);
    expect(after.deposits[0]).toBe(before.deposits[0]);
    expect(await read<boolean>("isSettled", [2n])).toBe(false);
  });

  it("never charges beyond the cap, across batches", async () => {
    const capped = await f.signPermit(ALICE, { cap: 1_000n, expiry, nonce: 9n });
    const r1 = await f.settle([400n, 400n, 300n, 200n].map((p, i) => inference(BigInt(i + 1), capped, p, [dev(CAROL)], FEE_BPS)));
    expect(outcomes(r1).map((o) => o.result)).toEqual(["Settled", "Settled", "PermitCapExceeded", "Settled"]);
    const r2 = await f.settle([inference(10n, capped, 1n, [dev(CAROL)], FEE_BPS), inference(3n, capped, 300n, [dev(CAROL)], FEE_BPS)]);
    expect(outcomes(r2).map((o) => o.result)).toEqual(["PermitCapExceeded", "PermitCapExceeded"]);
    expect((await read<{ spent: bigint }>("permitStateOf", [dev(ALICE), 9n])).spent).toBe(1_000n);
  });

  it("skips an inference the deposit cannot cover", async () => {
    const big = await f.signPermit(ALICE, { cap: 1_000n * USD, expiry, nonce: 2n });
    const r = await f.settle([
      inference(1n, big, 99n * USD, [dev(CAROL)], FEE_BPS),
      inference(2n, big, 2n * USD, [dev(CAROL)], FEE_BPS),
      inference(3n, big, USD, [dev(CAROL)], FEE_BPS),
    ]);
    expect(outcomes(r).map((o) => o.result)).toEqual(["Settled", "InsufficientBalance", "Settled"]);
    expect(await read<bigint>("depositOf", [dev(ALICE)])).toBe(0n);
  });

  it("skips a split that does not sum to the price less the fee, crediting nothing for it", async () => {
    const bad = inference(1n, alicePermit, 1_000n, [dev(CAROL), dev(DAVE)], FEE_BPS);
    bad.payouts[0].amount += 1n;
    const good = inference(2n, alicePermit, 1_000n, [dev(DAVE)], FEE_BPS);
    const r = await f.settle([bad, good]);
    expect(outcomes(r).map((o) => o.result)).toEqual(["SplitMismatch", "Settled"]);
    expect(await read<bigint>("claimableOf", [dev(CAROL)])).toBe(0n);
    expect(await read<bigint>("claimableOf", [dev(DAVE)])).toBe(975n);
    expect(await read<bigint>("depositOf", [dev(ALICE)])).toBe(100n * USD - 1_000n);
  });

  it("settles 100 inferences with 8 payees for at most 15,000 gas each", async () => {
    const payees = Array.from({ length: 24 }, (_, i) => addressFor(`payee-${i}`));
    const items = (from: number) =>
      Array.from({ length: 100 }, (_, i) =>
        inference(BigInt(from + i), i % 2 ? alicePermit : bobPermit, 2_000n, payees.slice(i % 16, (i % 16) + 8), FEE_BPS),
      );
    await f.settle(items(1)); // payees hold balances afterwards, as in a running market
    const receipt = await f.settle(items(101));
    expect(outcomes(receipt).every((o) => o.result === "Settled")).toBe(true);
    expect(Number(receipt.gasUsed) / 100).toBeLessThanOrEqual(15_000);
  });
});

describe("spend permit binding", () => {
  const sign = (permit: Partial<SignedSpendPermit>, chainId: number, at: Address) =>
    signSpendPermit({
      signer: f.wallet(ALICE).account as never,
      chainId,
      market: at,
      permit: { payer: dev(ALICE), spender: f.deployment.settler, cap: USD, expiry, nonce: 3n, ...permit },
    });

  it("matches the contract's EIP-712 digest", async () => {
    const permit = { payer: dev(ALICE), spender: f.deployment.settler, cap: USD, expiry, nonce: 3n };
    const onChain = await read<Hex>("hashSpendPermit", [permit.payer, permit.spender, permit.cap, permit.expiry, permit.nonce]);
    expect(onChain).toBe(hashSpendPermit(f.anvil.chainId, market, permit));
  });

  it("rejects a permit signed for another chain id or another market", async () => {
    const otherChain = await sign({}, 1, market);
    const otherMarket = await sign({ nonce: 4n }, f.anvil.chainId, addressFor("another market"));
    const r = await f.settle([
      inference(1n, otherChain, 100n, [dev(CAROL)], FEE_BPS),
      inference(2n, otherMarket, 100n, [dev(CAROL)], FEE_BPS),
    ]);
    expect(outcomes(r).map((o) => o.result)).toEqual(["PermitInvalid", "PermitInvalid"]);
    expect(await read<bigint>("depositOf", [dev(ALICE)])).toBe(100n * USD);
  });

  it("rejects a permit that claims another payer than its signer", async () => {
    const forged = { ...(await sign({}, f.anvil.chainId, market)), payer: dev(BOB) };
    const r = await f.settle([inference(1n, forged, 100n, [dev(CAROL)], FEE_BPS)]);
    expect(outcomes(r)[0].result).toBe("PermitInvalid");
  });

  it("binds a nonce to one permit: a new permit reusing a spent nonce is skipped", async () => {
    const first = await sign({ cap: 300n }, f.anvil.chainId, market);
    await f.settle([inference(1n, first, 300n, [dev(CAROL)], FEE_BPS)]);
    const second = await sign({ cap: 10n * USD }, f.anvil.chainId, market);
    const r = await f.settle([inference(2n, second, 300n, [dev(CAROL)], FEE_BPS)]);
    expect(outcomes(r)[0].result).toBe("PermitNonceReused");
    // The first permit replayed in a later batch keeps its spent amount: still capped.
    const replay = await f.settle([inference(3n, first, 1n, [dev(CAROL)], FEE_BPS)]);
    expect(outcomes(replay)[0].result).toBe("PermitCapExceeded");
  });

  it("binds the spender: another settler cannot use a permit signed for the settler", async () => {
    const role = await read<Hex>("SETTLER_ROLE");
    await call(0, "grantRole", [role, dev(DAVE)]);
    const r = await f.settle([inference(1n, alicePermit, 100n, [dev(CAROL)], FEE_BPS)], DAVE);
    expect(outcomes(r)[0].result).toBe("PermitInvalid");
    const forDave = await sign({ spender: dev(DAVE), nonce: 11n }, f.anvil.chainId, market);
    const ok = await f.settle([inference(2n, forDave, 100n, [dev(CAROL)], FEE_BPS)], DAVE);
    expect(outcomes(ok)[0].result).toBe("Settled");
  });
});

describe("access control and bad input", () => {
  const attempt = (from: number, functionName: string, args: readonly unknown[] = []) =>
    f.wallet(from).writeContract({ address: market, abi: upstreamMarketAbi, functionName: functionName as never, args: args as never });

  it("refuses every privileged function to an outsider and changes nothing", async () => {
    const batch = encodeSettlementBatch([inference(1n, alicePermit, 100n, [dev(CAROL)], FEE_BPS)]);
    const before = {
      books: await books(f, watched),
      fee: await read("feeBps"),
      treasury: await read("treasury"),
      delay: await read("withdrawalDelay"),
    };
    await expectRevert(attempt(OUTSIDER, "settleBatch", [batch.permits, batch.payees, batch.words]), "AccessControlUnauthorizedAccount");
    await expectRevert(attempt(OUTSIDER, "setProtocolFee", [0]), "AccessControlUnauthorizedAccount");
    await expectRevert(attempt(OUTSIDER, "setTreasury", [dev(OUTSIDER)]), "AccessControlUnauthorizedAccount");
    await expectRevert(attempt(OUTSIDER, "setWithdrawalDelay", [0n]), "AccessControlUnauthorizedAccount");
    const role = await read<Hex>("SETTLER_ROLE");
    await expectRevert(attempt(OUTSIDER, "grantRole", [role, dev(OUTSIDER)]), "AccessControlUnauthorizedAccount");
    await expectRevert(attempt(OUTSIDER, "revokeRole", [role, dev(1)]), "AccessControlUnauthorizedAccount");
    expect(await read<boolean>("hasRole", [role, dev(1)])).toBe(true);
    // The settler itself is not an admin.
    await expectRevert(attempt(1, "setProtocolFee", [0]), "AccessControlUnauthorizedAccount");
    const after = {
      books: await books(f, watched),
      fee: await read("feeBps"),
      treasury: await read("treasury"),
      delay: await read("withdrawalDelay"),
    };
    expect(after).toEqual(before);
  });

  it("lets the admin change parameters within bounds, with events", async () => {
    const r = await call(0, "setProtocolFee", [100]);
    expect(f.events(r)[0]).toMatchObject({ eventName: "ProtocolFeeSet", args: { bps: 100 } });
    await expectRevert(attempt(0, "setProtocolFee", [1_001]), "FeeTooHigh", [1_001]);
    await expectRevert(attempt(0, "setTreasury", ["0x0000000000000000000000000000000000000000"]), "ZeroAddress");
    await expectRevert(attempt(0, "setWithdrawalDelay", [31n * 86_400n]), "DelayTooLong");
  });

  it("settles a split made before a fee change at its fee until FEE_GRACE ends, and allows one change per grace", async () => {
    const grace = await read<bigint>("FEE_GRACE");
    const permit = await f.signPermit(ALICE, { cap: 50n * USD, expiry: (await f.now()) + 3n * grace, nonce: 9n });
    const changed = await call(0, "setProtocolFee", [500]);
    const at = (await f.client.getBlock({ blockNumber: changed.blockNumber })).timestamp;
    expect(await read("acceptedFees")).toEqual([500, FEE_BPS, at + grace]);
    await expectRevert(attempt(0, "setProtocolFee", [100]), "FeeChangeTooSoon", [at + grace]);
    // In flight across the change: split with the old fee, one with the new, one with neither.
    const r = await f.settle([
      inference(1n, permit, 2_000n, [dev(CAROL)], FEE_BPS),
      inference(2n, permit, 2_000n, [dev(CAROL)], 500),
      inference(3n, permit, 2_000n, [dev(CAROL)], 100),
    ]);
    expect(outcomes(r).map((o) => o.result)).toEqual(["Settled", "Settled", "SplitMismatch"]);
    const fees = f.events(r).flatMap((e) => (e.eventName === "InferenceSettled" ? [e.args.fee] : []));
    expect(fees).toEqual([50n, 100n]);
    expect(await read<bigint>("feesOwed")).toBe(150n);
    // After the grace only the fee in force settles, and the admin may change it again.
    await f.increaseTime(grace);
    expect(await read("acceptedFees")).toEqual([500, 500, at + grace]);
    const late = await f.settle([inference(4n, permit, 2_000n, [dev(CAROL)], FEE_BPS), inference(5n, permit, 2_000n, [dev(CAROL)], 500)]);
    expect(outcomes(late).map((o) => o.result)).toEqual(["SplitMismatch", "Settled"]);
    await call(0, "setProtocolFee", [100]);
  });

  it("hands the admin role over in two steps only, after the admin delay (issue 10, item 8)", async () => {
    const admin = await read<Hex>("DEFAULT_ADMIN_ROLE");
    await expect(attempt(0, "grantRole", [admin, dev(OUTSIDER)])).rejects.toThrow();
    expect(await read<boolean>("hasRole", [admin, dev(OUTSIDER)])).toBe(false);
    await call(0, "beginDefaultAdminTransfer", [dev(OUTSIDER)]);
    await expectRevert(attempt(OUTSIDER, "acceptDefaultAdminTransfer"), "AccessControlEnforcedDefaultAdminDelay");
    await f.increaseTime(86_400n + 1n);
    await call(OUTSIDER, "acceptDefaultAdminTransfer");
    expect(await read<boolean>("hasRole", [admin, dev(OUTSIDER)])).toBe(true);
    expect(await read<boolean>("hasRole", [admin, dev(0)])).toBe(false);
  });

  it("rejects bad payer calls with custom errors", async () => {
    await expectRevert(attempt(ALICE, "deposit", [0n]), "ZeroAmount");
    await expectRevert(attempt(ALICE, "requestWithdrawal", [101n * USD]), "InsufficientDeposit", [101n * USD, 100n * USD]);
    await expectRevert(attempt(ALICE, "cancelWithdrawal"), "NoWithdrawalRequested");
  });

  it("reverts a malformed batch as a whole with a custom error, changing nothing", async () => {
    const good = encodeSettlementBatch([
      inference(1n, alicePermit, 100n, [dev(CAROL)], FEE_BPS),
      inference(2n, bobPermit, 100n, [dev(CAROL), dev(DAVE), addressFor("erin")], FEE_BPS),
    ]);
    const before = await books(f, watched);
    const submit = (permits: typeof good.permits, payees: Address[], words: bigint[]) =>
      attempt(1, "settleBatch", [permits, payees, words]);
    await expectRevert(submit(good.permits, good.payees, []), "EmptyBatch");
    await expectRevert(submit([...good.permits].reverse(), good.payees, good.words), "UnsortedPermits", [1n]);
    await expectRevert(submit([good.permits[0], good.permits[0]], good.payees, good.words), "UnsortedPermits", [1n]);
    await expectRevert(submit(good.permits, good.payees, good.words.slice(0, -1)), "MalformedBatch", [3n]);
    await expectRevert(submit(good.permits.slice(0, 1), good.payees, good.words), "MalformedBatch");
    await expectRevert(submit(good.permits, good.payees.slice(0, 1), good.words), "PayeeIndexOutOfRange");
    const dirty = [...good.words];
    dirty[6] |= 1n; // the unused low half of the word holding the third (odd) share
    await expectRevert(submit(good.permits, good.payees, dirty), "MalformedBatch", [6n]);
    const zeroPayee = [...good.payees];
    zeroPayee[0] = "0x0000000000000000000000000000000000000000";
    await expectRevert(submit(good.permits, zeroPayee, good.words), "InvalidPayee", [0n]);
    // Mined rather than only simulated: the reverted transaction leaves the books as they were.
    const hash = await f.wallet(1).writeContract({
      address: market,
      abi: upstreamMarketAbi,
      functionName: "settleBatch",
      args: [good.permits, good.payees.slice(0, 1), good.words],
      gas: 3_000_000n,
    });
    expect((await f.client.waitForTransactionReceipt({ hash })).status).toBe("reverted");
    expect(await books(f, watched)).toEqual(before);
    expect(await read<boolean>("isSettled", [1n])).toBe(false);
  });
});

describe("encoding helpers against the contract", () => {
  it("settles what encodeSettlementBatch encodes, across many payees and permits", async () => {
    const payees = Array.from({ length: 300 }, (_, i) => addressFor(`wide-${i}`));
    const items: SettlementInference[] = [
      inference(1n, alicePermit, 1_000_000n, payees, FEE_BPS), // 300 payees, one inference
      inference(2n, bobPermit, 10n, [], FEE_BPS), // no payees: the price would be unaccounted for
    ];
    const r = await f.settle(items);
    expect(outcomes(r).map((o) => o.result)).toEqual(["Settled", "SplitMismatch"]);
    const settled = f.events(r).find((e) => e.eventName === "InferenceSettled")!;
    expect(decodePayouts(settled.args.payouts as bigint[])).toHaveLength(300);
  });
});

describe("smaller holes (issue 10, item 7)", () => {
  // MarketSettlement's ERC-7201 books; permitStates is its third field.
  const BOOKS_SLOT = 0xd49fc20e4b3e2c760687c6f5698184415789eeeff9d77bd7f0cec4a0e159f500n;
  const U96 = (1n << 96n) - 1n;
  const permitSlot = (payer: Address, nonce: bigint): Hex => {
    const inner = keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [payer, BOOKS_SLOT + 2n]));
    return keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "bytes32" }], [nonce, inner]));
  };
  const loadSlot = async (slot: Hex) => BigInt((await f.client.getStorageAt({ address: market, slot })) ?? "0x0");
  const storeSlot = (slot: Hex, value: bigint) =>
    f.client.request({ method: "anvil_setStorageAt" as never, params: [market, slot, pad(toHex(value), { size: 32 })] as never });

  it("a second permit under a settled nonce is refused even when its digest agrees in the 96 bits the market used to keep", async () => {
    const first = await f.signPermit(ALICE, { cap: 1_000n, expiry, nonce: 21n });
    await f.settle([inference(1n, first, 900n, [dev(CAROL)], FEE_BPS)]);
    const second = await f.signPermit(ALICE, { cap: 100n, expiry, nonce: 21n });
    // What 2^48 hashes of grinding the payer's own permits give: the second permit's low 96 digest
    // bits where the first's were kept (bits 128..223 of the state slot before this fix).
    const slot = permitSlot(dev(ALICE), 21n);
    const digest = BigInt(hashSpendPermit(f.anvil.chainId, market, second));
    const mask = U96 << 128n;
    await storeSlot(slot, ((await loadSlot(slot)) & ~mask) | ((digest & U96) << 128n));
    const r = await f.settle([inference(2n, second, 500n, [dev(CAROL)], FEE_BPS)]);
    expect(outcomes(r)[0].result).toBe("PermitNonceReused");
    expect(await read<bigint>("depositOf", [dev(ALICE)])).toBe(100n * USD - 900n);
  });

  it("binds a nonce to its cap and expiry, with no hash to collide: other terms are refused, the same terms share one spent", async () => {
    const first = await f.signPermit(ALICE, { cap: 1_000n, expiry, nonce: 22n });
    await f.settle([inference(1n, first, 600n, [dev(CAROL)], FEE_BPS)]);
    const otherCap = await f.signPermit(ALICE, { cap: 1_001n, expiry, nonce: 22n });
    const otherExpiry = await f.signPermit(ALICE, { cap: 1_000n, expiry: expiry + 1n, nonce: 22n });
    expect(outcomes(await f.settle([inference(2n, otherCap, 1n, [dev(CAROL)], FEE_BPS)]))[0].result).toBe("PermitNonceReused");
    expect(outcomes(await f.settle([inference(3n, otherExpiry, 1n, [dev(CAROL)], FEE_BPS)]))[0].result).toBe("PermitNonceReused");
    expect(await read("permitStateOf", [dev(ALICE), 22n])).toEqual({ spent: 600n, cap: 1_000n, expiry });
    // The same terms signed for a second settler are the same permit: its charges count against one cap.
    await call(0, "grantRole", [await read<Hex>("SETTLER_ROLE"), dev(DAVE)]);
    const forDave = await f.signPermit(ALICE, { cap: 1_000n, expiry, nonce: 22n, spender: dev(DAVE) });
    const byDave = await f.settle(
      [inference(5n, forDave, 500n, [dev(CAROL)], FEE_BPS), inference(6n, forDave, 400n, [dev(CAROL)], FEE_BPS)],
      DAVE,
    );
    expect(outcomes(byDave).map((o) => o.result)).toEqual(["PermitCapExceeded", "Settled"]);
    expect((await read<{ spent: bigint }>("permitStateOf", [dev(ALICE), 22n])).spent).toBe(1_000n);
    // A cap or expiry beyond what any deposit or clock reaches is kept at the type's maximum.
    const huge = await f.signPermit(ALICE, { cap: 1n << 200n, expiry: 1n << 100n, nonce: 23n });
    expect(outcomes(await f.settle([inference(4n, huge, 7n, [dev(CAROL)], FEE_BPS)]))[0].result).toBe("Settled");
    expect(await read("permitStateOf", [dev(ALICE), 23n])).toEqual({ spent: 7n, cap: U96, expiry: (1n << 64n) - 1n });
  });

  it("never charges past the cap even if the stored spent exceeds it: the check does not wrap", async () => {
    const capped = await f.signPermit(ALICE, { cap: 1_000n, expiry, nonce: 24n });
    await f.settle([inference(1n, capped, 100n, [dev(CAROL)], FEE_BPS)]);
    const slot = permitSlot(dev(ALICE), 24n);
    await storeSlot(slot, ((await loadSlot(slot)) & ~U96) | 2_000n); // spent 2,000 > cap 1,000
    const r = await f.settle([inference(2n, capped, 50n, [dev(CAROL)], FEE_BPS)]);
    expect(outcomes(r)[0].result).toBe("PermitCapExceeded");
    expect(await read<bigint>("depositOf", [dev(ALICE)])).toBe(100n * USD - 100n);
  });

  it("InferenceSettled names the permit it charged: payer and nonce", async () => {
    const other = await f.signPermit(ALICE, { cap: USD, expiry, nonce: 25n });
    const r = await f.settle([inference(1n, alicePermit, 100n, [dev(CAROL)], FEE_BPS), inference(2n, other, 100n, [dev(CAROL)], FEE_BPS)]);
    const settled = f.events(r).filter((e) => e.eventName === "InferenceSettled");
    expect(settled.map((e) => [e.args.inferenceId, e.args.payer, e.args.permitNonce])).toEqual([
      [1n, dev(ALICE), 1n],
      [2n, dev(ALICE), 25n],
    ]);
  });
});
