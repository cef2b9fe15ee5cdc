"use client";
import { connectorsForWallets } from "@rainbow-me/rainbowkit";
import { coinbaseWallet, injectedWallet, metaMaskWallet, rainbowWallet, walletConnectWallet } from "@rainbow-me/rainbowkit/wallets";
import { type Config, cookieStorage, createConfig, createStorage, http } from "wagmi";
import { chainFor } from "./chain";
import type { PublicConfig } from "./public-config-types";

const appName = "Upstream";

/**
 * The wagmi config for one deployment. Without a WalletConnect project id only the injected
 * wallet is offered, so the app contacts no third-party server (offline, local chain, tests).
 */
export function createWagmiConfig(publicConfig: PublicConfig): Config {
  const chain = chainFor(publicConfig.chainId, publicConfig.rpcUrl);
  const projectId = publicConfig.walletConnectProjectId;
  const connectors = connectorsForWallets(
    projectId
      ? [{ groupName: "Popular", wallets: [injectedWallet, metaMaskWallet, rainbowWallet, coinbaseWallet, walletConnectWallet] }]
      : [{ groupName: "Installed", wallets: [injectedWallet] }],
    // RainbowKit insists on a project id string; with only the injected wallet it is never used.
    { appName, projectId: projectId ?? "upstream-local" },
  );
  return createConfig({
    chains: [chain],
    connectors,
    transports: { [chain.id]: http(publicConfig.rpcUrl) },
    ssr: true,
    storage: createStorage({ storage: cookieStorage }),
    // A local chain mines instantly; poll often there so confirmations show at once.
    pollingInterval: publicConfig.chainId === 31337 ? 500 : 4_000,
  });
}
