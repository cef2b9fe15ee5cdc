import { type Chain, defineChain } from "viem";
import { anvil, arbitrum, arbitrumSepolia, base, baseSepolia, mainnet, optimism, optimismSepolia, sepolia } from "viem/chains";

// Chains whose name and block explorer we know; any other id still works, just without links.
const knownChains: readonly Chain[] = [anvil, mainnet, sepolia, base, baseSepolia, optimism, optimismSepolia, arbitrum, arbitrumSepolia];

/** The viem chain for a configured id and RPC URL; the configured RPC always wins. */
export function chainFor(chainId: number, rpcUrl: string): Chain {
  const known = knownChains.find((c) => c.id === chainId);
  return defineChain({
    ...(known ?? {
      id: chainId,
      name: `Chain ${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    }),
    id: chainId,
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** A link to a transaction on the chain's block explorer, or null when the chain has none. */
export function transactionUrl(chain: Chain, hash: string): string | null {
  const explorer = chain.blockExplorers?.default.url;
  return explorer ? `${explorer.replace(/\/$/, "")}/tx/${hash}` : null;
}
