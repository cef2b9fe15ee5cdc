/**
 * Reading the registry's answer to a transaction: the receipt on the configured chain and the
 * event our registry emitted in it. Only logs of the registry's own address count — any
 * contract can emit an event with the same signature.
 */
import {
  type Account,
  type Address,
  type Chain,
  type ContractEventName,
  type ContractFunctionName,
  erc20Abi,
  type Hex,
  isAddressEqual,
  type ParseEventLogsReturnType,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  type Transport,
  WaitForTransactionReceiptTimeoutError,
  type WalletClient,
} from "viem";
import { upstreamRegistryAbi } from "@/lib/chain/abis";
import { EventNotFoundError, TransactionNotFoundError, TransactionRevertedError } from "./errors";

/** A read client on the marketplace's chain. */
export type ChainReader = PublicClient<Transport, Chain>;

/** A wallet that signs locally (a dev account, or a server key). */
export type ChainWallet = WalletClient<Transport, Chain, Account>;

/** Where the registry is and how to read it. */
export type RegistryConnection = {
  /** Read client on the chain the registry lives on. */
  client: ChainReader;
  /** The UpstreamRegistry address. */
  registry: Address;
};

/** The name of an event the registry emits. */
export type RegistryEventName = ContractEventName<typeof upstreamRegistryAbi>;

/** One decoded registry event. */
export type RegistryEvent<N extends RegistryEventName> = ParseEventLogsReturnType<typeof upstreamRegistryAbi, N, true, N>[number];

/**
 * The receipt of `txHash`. A transaction the node knows but has not mined yet is awaited up to
 * `timeoutMs`; one it does not know at all fails at once. Throws TransactionNotFoundError, or
 * TransactionRevertedError when it reverted.
 */
export async function minedReceipt(client: ChainReader, txHash: Hex, timeoutMs = 10_000): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt;
  try {
    receipt = await client.getTransactionReceipt({ hash: txHash });
  } catch (error) {
    if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    const known = await client.getTransaction({ hash: txHash }).catch(() => undefined);
    if (!known) throw new TransactionNotFoundError(txHash);
    try {
      receipt = await client.waitForTransactionReceipt({ hash: txHash, timeout: timeoutMs, pollingInterval: 100 });
    } catch (waitError) {
      if (waitError instanceof WaitForTransactionReceiptTimeoutError) throw new TransactionNotFoundError(txHash);
      throw waitError;
    }
  }
  if (receipt.status !== "success") throw new TransactionRevertedError(txHash);
  return receipt;
}

/** The first `eventName` event the registry emitted in `receipt`; throws EventNotFoundError. */
export function registryEvent<N extends RegistryEventName>(receipt: TransactionReceipt, registry: Address, eventName: N): RegistryEvent<N> {
  const events = parseEventLogs({ abi: upstreamRegistryAbi, logs: receipt.logs, eventName }).filter((log) =>
    isAddressEqual(log.address, registry),
  );
  const event = events[0];
  if (!event) throw new EventNotFoundError(receipt.transactionHash, eventName);
  return event as unknown as RegistryEvent<N>;
}

/** Waits for a transaction this process just sent; throws TransactionRevertedError. */
export async function waitMined(client: ChainReader, hash: Hex): Promise<TransactionReceipt> {
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 25, timeout: 120_000 });
  if (receipt.status !== "success") throw new TransactionRevertedError(hash);
  return receipt;
}

/** A registry function a wallet sends, with its arguments in ABI order. */
export type RegistryCall = {
  /** A state-changing function of `upstreamRegistryAbi`. */
  functionName: ContractFunctionName<typeof upstreamRegistryAbi, "nonpayable" | "payable">;
  /** Arguments in ABI order. */
  args: readonly unknown[];
};

/** Sends a registry call from `wallet`, waits for it and returns the receipt. */
export async function sendRegistryCall(
  wallet: ChainWallet,
  { client, registry }: RegistryConnection,
  call: RegistryCall,
): Promise<TransactionReceipt> {
  const hash = await wallet.writeContract({ address: registry, abi: upstreamRegistryAbi, ...call } as never);
  return waitMined(client, hash);
}

/** Approves `spender` for at least `amount` of `token` from `wallet` (no transaction if it already may). */
export async function ensureAllowance(
  wallet: ChainWallet,
  client: ChainReader,
  token: Address,
  spender: Address,
  amount: bigint,
): Promise<void> {
  if (amount === 0n) return;
  const owner = wallet.account.address;
  const allowance = await client.readContract({ address: token, abi: erc20Abi, functionName: "allowance", args: [owner, spender] });
  if (allowance >= amount) return;
  const hash = await wallet.writeContract({ address: token, abi: erc20Abi, functionName: "approve", args: [spender, amount] });
  await waitMined(client, hash);
}
