import { useCallback } from "react";
import { type Address, erc20Abi, type Hex, parseSignature } from "viem";
import { useConfig, useReadContracts } from "wagmi";
import { getBlock, readContract, signTypedData, simulateContract, writeContract } from "wagmi/actions";
import { testUsdAbi, upstreamMarketAbi } from "@/lib/chain/abis";
import { erc2612PermitTypes } from "@/lib/chain/permit";
import { usePublicConfig } from "./public-config-context";
import { type TransactionRunner, useTransactionRunner } from "./transaction";

/** An account's money as the market and the token see it, in token base units. */
export type AccountFunds = {
  /** Tokens in the wallet. */
  wallet: bigint;
  /** Deposited in the market and not yet spent or withdrawn. */
  deposit: bigint;
  /** Earnings credited by settlements and not yet claimed. */
  claimable: bigint;
  /** A pending withdrawal request (withdrawable from readyAt until expiresAt), or null. */
  withdrawal: { amount: bigint; readyAt: Date; expiresAt: Date } | null;
};

/** The deployed contracts; throws when the app runs without a deployment (the UI says so first). */
function useContracts() {
  const { contracts, chainId } = usePublicConfig();
  if (!contracts) throw new Error("No contracts are deployed on this chain.");
  return { ...contracts, chainId };
}

/**
 * Reads the account's wallet balance, market deposit, claimable earnings and withdrawal request.
 * Refreshes after every confirmed transaction of this app and every few seconds (earnings
 * arrive from settlements the user does not send).
 */
export function useAccountFunds(account: Address | undefined) {
  const { contracts, chainId } = usePublicConfig();
  const enabled = Boolean(account && contracts);
  const owner = account ?? "0x0000000000000000000000000000000000000000";
  const token = contracts?.token ?? "0x0000000000000000000000000000000000000000";
  const market = contracts?.market ?? "0x0000000000000000000000000000000000000000";
  const result = useReadContracts({
    allowFailure: false,
    contracts: [
      { chainId, address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] },
      { chainId, address: market, abi: upstreamMarketAbi, functionName: "depositOf", args: [owner] },
      { chainId, address: market, abi: upstreamMarketAbi, functionName: "claimableOf", args: [owner] },
      { chainId, address: market, abi: upstreamMarketAbi, functionName: "withdrawalOf", args: [owner] },
    ],
    query: { enabled, refetchInterval: 5_000 },
  });
  const data: AccountFunds | undefined = result.data
    ? {
        wallet: result.data[0],
        deposit: result.data[1],
        claimable: result.data[2],
        withdrawal:
          result.data[3].readyAt === 0n
            ? null
            : {
                amount: result.data[3].amount,
                readyAt: new Date(Number(result.data[3].readyAt) * 1000),
                expiresAt: new Date(Number(result.data[3].expiresAt) * 1000),
              },
      }
    : undefined;
  return { data, isLoading: result.isLoading, error: result.error, refetch: result.refetch };
}

/** Mints test tokens to the connected account from the dev token's faucet (local chains only). */
export function useFaucet(): TransactionRunner & { drip(amount: bigint): Promise<boolean> } {
  const config = useConfig();
  const { token, chainId } = useContracts();
  const runner = useTransactionRunner(chainId);
  const { run } = runner;
  const drip = useCallback(
    (amount: bigint) =>
      run(async ({ account, send }) => {
        await send("Minting test tokens", async () => {
          const { request } = await simulateContract(config, {
            account,
            chainId,
            address: token,
            abi: testUsdAbi,
            functionName: "faucet",
            args: [amount],
          });
          return writeContract(config, request);
        });
      }),
    [config, token, chainId, run],
  );
  return { ...runner, drip };
}

/** How a deposit gets the token approval: an EIP-2612 permit signature, or an approve transaction. */
export type DepositMethod = "permit" | "approve";

// A permit signature is valid for this long; the deposit goes out right after it is signed.
const PERMIT_LIFETIME_SECONDS = 20n * 60n;

/** The token's EIP-712 domain: EIP-5267 when it has it, else its name and version "1". */
async function tokenDomain(config: ReturnType<typeof useConfig>, token: Address, chainId: number) {
  try {
    const [, name, version] = await readContract(config, { chainId, address: token, abi: testUsdAbi, functionName: "eip712Domain" });
    return { name, version, chainId, verifyingContract: token };
  } catch {
    const name = await readContract(config, { chainId, address: token, abi: erc20Abi, functionName: "name" });
    return { name, version: "1", chainId, verifyingContract: token };
  }
}

/**
 * Deposits into the market. With "permit" the wallet signs an EIP-2612 approval and one
 * transaction (`depositWithPermit`) does the rest; with "approve" an approve transaction comes
 * first when the allowance is short, then `deposit`.
 */
export function useDeposit(): TransactionRunner & { deposit(amount: bigint, method?: DepositMethod): Promise<boolean> } {
  const config = useConfig();
  const { token, market, chainId } = useContracts();
  const runner = useTransactionRunner(chainId);
  const { run } = runner;
  const deposit = useCallback(
    (amount: bigint, method: DepositMethod = "permit") =>
      run(async ({ account, sign, send }) => {
        if (method === "permit") {
          const [domain, nonce, block] = await Promise.all([
            tokenDomain(config, token, chainId),
            readContract(config, { chainId, address: token, abi: testUsdAbi, functionName: "nonces", args: [account] }),
            getBlock(config, { chainId }),
          ]);
          // The chain's clock, not the browser's: a local chain may run ahead of wall time.
          const deadline = block.timestamp + PERMIT_LIFETIME_SECONDS;
          const signature = await sign("Sign the permit", () =>
            signTypedData(config, {
              account,
              domain,
              types: erc2612PermitTypes,
              primaryType: "Permit",
              message: { owner: account, spender: market, value: amount, nonce, deadline },
            }),
          );
          const { r, s, v, yParity } = parseSignature(signature);
          const vByte = Number(v ?? BigInt(yParity + 27));
          await send("Depositing", () =>
            writeMarket(config, account, chainId, market, "depositWithPermit", [amount, deadline, vByte, r, s]),
          );
          return;
        }
        const allowance = await readContract(config, {
          chainId,
          address: token,
          abi: erc20Abi,
          functionName: "allowance",
          args: [account, market],
        });
        if (allowance < amount) {
          await send("Approving the market", async () => {
            const { request } = await simulateContract(config, {
              account,
              chainId,
              address: token,
              abi: erc20Abi,
              functionName: "approve",
              args: [market, amount],
            });
            return writeContract(config, request);
          });
        }
        await send("Depositing", () => writeMarket(config, account, chainId, market, "deposit", [amount]));
      }),
    [config, token, market, chainId, run],
  );
  return { ...runner, deposit };
}

type MarketWrite =
  | ["deposit", readonly [bigint]]
  | ["depositWithPermit", readonly [bigint, bigint, number, Hex, Hex]]
  | ["requestWithdrawal", readonly [bigint]]
  | ["cancelWithdrawal", readonly []]
  | ["withdraw", readonly []]
  | ["claim", readonly []];

// Simulate first so a revert is decoded before the wallet is even asked.
async function writeMarket<W extends MarketWrite>(
  config: ReturnType<typeof useConfig>,
  account: Address,
  chainId: number,
  market: Address,
  functionName: W[0],
  args: W[1],
): Promise<Hex> {
  const { request } = await simulateContract(config, {
    account,
    chainId,
    address: market,
    abi: upstreamMarketAbi,
    functionName,
    args,
  } as Parameters<typeof simulateContract>[1]);
  return writeContract(config, request as Parameters<typeof writeContract>[1]);
}

/**
 * Withdrawing is two steps on chain: request (starts the delay during which signed spend
 * permits can still settle), then withdraw once the delay has passed. A request can be cancelled.
 */
export function useWithdrawal(): TransactionRunner & {
  request(amount: bigint): Promise<boolean>;
  cancel(): Promise<boolean>;
  withdraw(): Promise<boolean>;
} {
  const config = useConfig();
  const { market, chainId } = useContracts();
  const runner = useTransactionRunner(chainId);
  const { run } = runner;
  const call = useCallback(
    (step: string, functionName: "requestWithdrawal" | "cancelWithdrawal" | "withdraw", args: readonly [bigint] | readonly []) =>
      run(async ({ account, send }) => {
        await send(step, () => writeMarket(config, account, chainId, market, functionName, args));
      }),
    [config, market, chainId, run],
  );
  return {
    ...runner,
    request: (amount) => call("Requesting the withdrawal", "requestWithdrawal", [amount]),
    cancel: () => call("Cancelling the withdrawal", "cancelWithdrawal", []),
    withdraw: () => call("Withdrawing", "withdraw", []),
  };
}

/** Pays the connected account its claimable earnings (pull payment). */
export function useClaim(): TransactionRunner & { claim(): Promise<boolean> } {
  const config = useConfig();
  const { market, chainId } = useContracts();
  const runner = useTransactionRunner(chainId);
  const { run } = runner;
  const claim = useCallback(
    () =>
      run(async ({ account, send }) => {
        await send("Claiming earnings", () => writeMarket(config, account, chainId, market, "claim", []));
      }),
    [config, market, chainId, run],
  );
  return { ...runner, claim };
}
