import { type Address, BaseError, ContractFunctionRevertedError, getAddress, keccak256, toHex } from "viem";
import { expect } from "vitest";
import { testUsdAbi, upstreamMarketAbi } from "@/lib/chain/abis";
import { devAccounts } from "@/lib/chain/devAccounts";
import type { MarketFixture } from "@/lib/chain/fixture";
import type { SignedSpendPermit } from "@/lib/chain/permit";
import type { SettlementInference } from "@/lib/chain/settlement";

/** The custom error name a viem call failed with, or undefined. */
export function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
}

/** Asserts that `promise` rejects with the custom error `name` (and its args, if given). */
export async function expectRevert(promise: Promise<unknown>, name: string, args?: readonly unknown[]): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, `expected revert ${name}`).toBeDefined();
  expect(revertName(error), String(error)).toBe(name);
  if (args) {
    const reverted = (error as BaseError).walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError;
    expect(reverted.data?.args).toEqual(args);
  }
}

/** A keyless payee address derived from a label. */
export function addressFor(label: string): Address {
  return getAddress(`0x${keccak256(toHex(label)).slice(26)}`);
}

/** Dev account address by index. */
export const dev = (index: number): Address => devAccounts[index].address;

/** An inference paying `price` split between payees evenly (remainder to the first), less the fee. */
export function inference(
  id: bigint,
  permit: SignedSpendPermit,
  price: bigint,
  payees: Address[],
  feeBps: number,
  modelId = 1n,
): SettlementInference {
  const pool = price - (price * BigInt(feeBps)) / 10_000n;
  const each = payees.length ? pool / BigInt(payees.length) : 0n;
  const amounts = payees.map(() => each);
  if (payees.length) amounts[0] += pool - each * BigInt(payees.length);
  return {
    inferenceId: id,
    permit,
    modelId,
    price,
    attributionHash: keccak256(toHex(`proof-${id}`)),
    payouts: payees.map((payee, i) => ({ payee, amount: amounts[i] })),
  };
}

/** Reads the market's books for `accounts`: deposits, claimables, fees owed and its token balance. */
export async function books(f: MarketFixture, accounts: Address[]) {
  const { market, token } = f.deployment;
  const read = (functionName: "depositOf" | "claimableOf", a: Address) =>
    f.client.readContract({ address: market, abi: upstreamMarketAbi, functionName, args: [a] });
  const deposits = await Promise.all(accounts.map((a) => read("depositOf", a)));
  const claimable = await Promise.all(accounts.map((a) => read("claimableOf", a)));
  const feesOwed = await f.client.readContract({ address: market, abi: upstreamMarketAbi, functionName: "feesOwed" });
  const tokenBalance = await f.client.readContract({ address: token, abi: testUsdAbi, functionName: "balanceOf", args: [market] });
  return { deposits, claimable, feesOwed, tokenBalance };
}
