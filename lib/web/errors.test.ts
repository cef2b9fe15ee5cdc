import { BaseError, ContractFunctionRevertedError, encodeErrorResult, RawContractError, UserRejectedRequestError } from "viem";
import { describe, expect, it } from "vitest";
import { upstreamRegistryAbi } from "@/lib/chain/abis";
import { describeTransactionError } from "./errors";

const revert = (errorName: string, args: readonly unknown[]) =>
  new ContractFunctionRevertedError({
    abi: upstreamRegistryAbi,
    functionName: "publishDatanet",
    data: encodeErrorResult({ abi: upstreamRegistryAbi, errorName, args } as never),
  });

describe("describeTransactionError for the publish and contribute forms", () => {
  it("decodes the registry's custom errors into plain sentences", () => {
    expect(describeTransactionError(revert("StakeTooLow", [1_000_000n, 10_000_000n]))).toEqual({
      code: "StakeTooLow",
      message: "The stake 1.00 tUSD is below the registry's minimum of 10.00 tUSD.",
    });
    expect(describeTransactionError(revert("DatanetNotActive", [7n]))).toEqual({
      code: "DatanetNotActive",
      message: "Datanet 7 is closed: it takes no more contributions.",
    });
    expect(describeTransactionError(revert("EmptyContribution", [])).code).toBe("EmptyContribution");
  });

  it("decodes raw revert data a wallet hands back, and says a rejection plainly", () => {
    const data = encodeErrorResult({ abi: upstreamRegistryAbi, errorName: "UnknownDatanet", args: [9n] });
    const wrapped = new BaseError("Execution reverted", { cause: new RawContractError({ data }) });
    expect(describeTransactionError(wrapped)).toEqual({ code: "UnknownDatanet", message: "No datanet 9 is published on this chain." });
    const rejected = new BaseError("failed", { cause: new UserRejectedRequestError(new Error("User rejected")) });
    expect(describeTransactionError(rejected)).toEqual({ code: "USER_REJECTED", message: "You rejected the request in your wallet." });
  });
});
