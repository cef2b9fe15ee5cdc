import type { Address } from "viem";

/** What the browser is told about the deployment; contains nothing secret. */
export type PublicConfig = {
  /** EVM chain id the app and its contracts live on (31337 = local anvil). */
  chainId: number;
  /** JSON-RPC endpoint the browser reads the chain through. */
  rpcUrl: string;
  /** WalletConnect Cloud project id; null keeps the app offline with the injected wallet only. */
  walletConnectProjectId: string | null;
  /** Deployed contract addresses, or null when nothing is deployed yet. */
  contracts: { token: Address; market: Address; registry: Address } | null;
  /** The payment token's display symbol and decimals (6, stablecoin-style). */
  token: { symbol: string; decimals: number };
  /** True when the payment token is the test token deployed with the market, which has an open faucet. */
  devFaucet: boolean;
};
