import { existsSync } from "node:fs";
import { readDeployment } from "@/lib/chain/deploy";
import { config, type ServerConfig } from "@/lib/config";
import { TOKEN_DECIMALS } from "./format";
import type { PublicConfig } from "./public-config-types";

export type { PublicConfig } from "./public-config-types";

/**
 * What the browser is told about this deployment: the configuration's public part (chain, RPC,
 * WalletConnect) plus the contract addresses from the deployment file. The file is read on each
 * call, so a deployment made after the server started shows up without a restart.
 */
export function getPublicConfig(from: ServerConfig = config()): PublicConfig {
  // No file means nothing is deployed yet; a malformed one is an error worth stopping for.
  const deployment = existsSync(from.deploymentFile) ? readDeployment(from.deploymentFile) : null;
  // A deployment for another chain is not this app's: never send a payer to those addresses.
  const usable = deployment && deployment.chainId === from.public.chainId ? deployment : null;
  return {
    chainId: from.public.chainId,
    rpcUrl: from.public.rpcUrl,
    walletConnectProjectId: from.public.walletConnectProjectId ?? null,
    contracts: usable ? { token: usable.token, market: usable.market, registry: usable.registry } : null,
    token: { symbol: "USD", decimals: TOKEN_DECIMALS },
    devFaucet: usable?.testToken ?? false,
  };
}
