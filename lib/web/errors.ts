import { type Abi, BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex, UserRejectedRequestError } from "viem";
import { testUsdAbi, upstreamMarketAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { formatMoney } from "./format";

/** Why a transaction or signature did not go through, in words for the person who sent it. */
export type TransactionFailure = {
  /** Stable code: the contract's custom error name, `USER_REJECTED`, or `TRANSACTION_FAILED`. */
  code: string;
  /** One sentence for the screen. */
  message: string;
};

// Errors of every contract: a market call can revert inside the token (an ERC20 error bubbles up).
const errorAbi = [...testUsdAbi, ...upstreamMarketAbi, ...upstreamRegistryAbi].filter((item) => item.type === "error") as Abi;

type Explain = (args: readonly unknown[]) => string;

const money = (value: unknown) => formatMoney(BigInt(value as bigint));
const when = (seconds: unknown) => new Date(Number(seconds as bigint) * 1000).toLocaleString("en");

// The contract errors a person can cause from this app, said the way they would say it.
const explanations: Record<string, Explain> = {
  ZeroAmount: () => "Enter an amount above zero.",
  InsufficientDeposit: ([requested, available]) => `You asked for ${money(requested)} but only ${money(available)} is deposited.`,
  NoWithdrawalRequested: () => "There is no withdrawal request to act on.",
  WithdrawalNotReady: ([readyAt]) => `The withdrawal can be completed from ${when(readyAt)}.`,
  WithdrawalExpired: ([expiresAt]) => `The withdrawal request expired at ${when(expiresAt)}: request it again.`,
  NothingToWithdraw: () => "Nothing is left to withdraw.",
  NothingToClaim: () => "Nothing to claim yet.",
  TokenPermitFailed: () => "The token did not accept the permit signature; try approve + deposit.",
  FaucetLimitExceeded: ([requested, limit]) => `The faucet gives at most ${money(limit)} per call (asked ${money(requested)}).`,
  InvalidFaucetRequest: () => "The faucet needs an amount above zero.",
  ERC20InsufficientBalance: ([, balance, needed]) => `Your wallet holds ${money(balance)}; this needs ${money(needed)}.`,
  ERC20InsufficientAllowance: ([, allowance, needed]) =>
    `The market may spend ${money(allowance)} of your tokens; this needs ${money(needed)}.`,
  ERC2612ExpiredSignature: () => "The permit signature expired; try again.",
  ERC2612InvalidSigner: () => "The permit was signed by another account; try again.",
  StakeTooLow: ([stake, minimum]) => `The stake ${money(stake)} is below the registry's minimum of ${money(minimum)}.`,
  EmptyMetadata: () => "The publication has no metadata URI.",
  UnknownDatanet: ([id]) => `No datanet ${String(id)} is published on this chain.`,
  DatanetNotActive: ([id]) => `Datanet ${String(id)} is closed: it takes no more contributions.`,
  EmptyContribution: () => "A contribution needs at least one record.",
  NotOwner: () => "Only the owner may do this.",
};

function explain(errorName: string, args: readonly unknown[]): TransactionFailure {
  const known = explanations[errorName];
  return { code: errorName, message: known ? known(args) : `The contract refused: ${errorName}.` };
}

function revertData(error: BaseError): Hex | undefined {
  let data: Hex | undefined;
  error.walk((e) => {
    const candidate = (e as { data?: unknown }).data;
    if (typeof candidate === "string" && candidate.startsWith("0x") && candidate.length >= 10) data = candidate as Hex;
    else if (candidate && typeof candidate === "object" && typeof (candidate as { data?: unknown }).data === "string") {
      data = (candidate as { data: Hex }).data;
    }
    return false;
  });
  return data;
}

/**
 * Turns whatever a wallet, the RPC or viem threw into a `TransactionFailure`: a rejected request,
 * a decoded custom error of our contracts (also when it came from the token inside a market
 * call), a revert string, or viem's short message.
 */
export function describeTransactionError(error: unknown): TransactionFailure {
  if (!(error instanceof BaseError)) {
    const code = (error as { code?: unknown } | null)?.code;
    return {
      code: typeof code === "string" ? code : "TRANSACTION_FAILED",
      message: error instanceof Error ? error.message : String(error),
    };
  }
  const rejected = error.walk((e) => e instanceof UserRejectedRequestError || (e as { code?: unknown }).code === 4001);
  if (rejected) return { code: "USER_REJECTED", message: "You rejected the request in your wallet." };

  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted?.data?.errorName && reverted.data.errorName !== "Error") {
    return explain(reverted.data.errorName, reverted.data.args ?? []);
  }
  const raw = reverted?.raw ?? revertData(error);
  if (raw) {
    try {
      const decoded = decodeErrorResult({ abi: errorAbi, data: raw });
      return explain(decoded.errorName, decoded.args ?? []);
    } catch {
      // Not one of ours: fall through to the reason or viem's own words.
    }
  }
  if (reverted?.reason) return { code: "REVERTED", message: `The contract refused: ${reverted.reason}` };
  return { code: "TRANSACTION_FAILED", message: error.shortMessage || error.message };
}
