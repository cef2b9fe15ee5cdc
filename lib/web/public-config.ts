import type { Deployment } from "@/lib/chain/deploy";
import type { ServerConfig } from "@/lib/config";
import { TOKEN_DECIMALS } from "./format";
import type { PublicConfig } from "./public-config-types";

export type { PublicConfig } from "./public-config-types";

/**
 * What the browser is told about this deployment: the configuration's public part (chain, RPC,
 * WalletConnect) plus the contract addresses of the deployment (null: nothing is deployed yet).
 * The server root passes the deployment its file holds now, so a redeploy shows without a restart.
 */
export function getPublicConfig(from: ServerConfig, deployment: Deployment | null): PublicConfig {
  // A deployment for another chain is not this app's: never send a payer to those addresses.
  const usable = deployment && deployment.chainId === from.public.chainId ? deployment : null;
  return {
    chainId: from.public.chainId,
    rpcUrl: from.public.rpcUrl,
    walletConnectProjectId: from.public.walletConnectProjectId ?? null,
    contracts: usable ? { token: usable.token, market: usable.market, registry: usable.registry } : null,
    token: { symbol: "tUSD", decimals: TOKEN_DECIMALS },
    devFaucet: usable?.testToken ?? false,
  };
}
