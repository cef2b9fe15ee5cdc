import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** Where to reach a chain. */
export type ChainConnection = {
  /** EIP-155 chain id. */
  chainId: number;
  /** JSON-RPC HTTP URL. */
  rpcUrl: string;
};

/** A viem chain for any EVM chain id reached at `rpcUrl` (anvil locally, an L2 in production). */
export function chainFor({ chainId, rpcUrl }: ChainConnection): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? "Anvil" : `Chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** A public (read) client for the chain. Polls every second; anvil answers fast. */
export function publicClientFor(connection: ChainConnection): PublicClient<Transport, Chain> {
  return createPublicClient({
    chain: chainFor(connection),
    transport: http(connection.rpcUrl),
    pollingInterval: 1_000,
  });
}

/** A wallet client that signs locally with `privateKey` (or a given viem account). */
export function walletClientFor(
  connection: ChainConnection & { privateKey?: Hex; account?: Account },
): WalletClient<Transport, Chain, Account> {
  const account = connection.account ?? (connection.privateKey ? privateKeyToAccount(connection.privateKey) : undefined);
  if (!account) throw new Error("walletClientFor needs a privateKey or an account");
  return createWalletClient({ account, chain: chainFor(connection), transport: http(connection.rpcUrl) });
}
