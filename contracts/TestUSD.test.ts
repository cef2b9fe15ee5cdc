import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testUsdAbi } from "@/lib/chain/abis";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { dev, expectRevert } from "./test/helpers";

let f: MarketFixture;
beforeAll(async () => {
  f = await startMarketFixture();
});
afterAll(async () => {
  await f?.stop();
});

describe("TestUSD", () => {
  const balance = (i: number) =>
    f.client.readContract({ address: f.deployment.token, abi: testUsdAbi, functionName: "balanceOf", args: [dev(i)] });
  const attempt = (functionName: "faucet" | "faucetTo", args: readonly unknown[]) =>
    f.wallet(5).writeContract({ address: f.deployment.token, abi: testUsdAbi, functionName, args: args as never });

  it("has 6 decimals and mints to anyone up to the per-call limit", async () => {
    expect(await f.client.readContract({ address: f.deployment.token, abi: testUsdAbi, functionName: "decimals" })).toBe(6);
    const limit = await f.client.readContract({ address: f.deployment.token, abi: testUsdAbi, functionName: "FAUCET_LIMIT" });
    expect(limit).toBe(10_000_000_000n);
    await f.send(5, { address: f.deployment.token, abi: testUsdAbi, functionName: "faucet", args: [limit] });
    await f.send(5, { address: f.deployment.token, abi: testUsdAbi, functionName: "faucetTo", args: [dev(6), 7n] });
    expect(await balance(5)).toBe(limit);
    expect(await balance(6)).toBe(7n);
  });

  it("refuses more than the limit, zero, and the zero address, minting nothing", async () => {
    const before = await balance(5);
    await expectRevert(attempt("faucet", [10_000_000_001n]), "FaucetLimitExceeded", [10_000_000_001n, 10_000_000_000n]);
    await expectRevert(attempt("faucet", [0n]), "InvalidFaucetRequest");
    await expectRevert(attempt("faucetTo", ["0x0000000000000000000000000000000000000000", 1n]), "InvalidFaucetRequest");
    expect(await balance(5)).toBe(before);
  });
});
