import { z } from "zod";
import type { PublicConfig } from "./public-config-types";

export type { PublicConfig } from "./public-config-types";

const addressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");

const envSchema = z.object({
  chainId: z.coerce.number().int().positive().default(31337),
  rpcUrl: z.string().url().default("http://127.0.0.1:8545"),
  walletConnectProjectId: z.string().min(1).optional(),
});

/** Thrown when an environment variable that reaches the browser has a malformed value. */
export class PublicConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "PublicConfigError";
  }
}

// Read through a computed key: Next inlines `process.env.NEXT_PUBLIC_*` at build time, and one
// build must serve any chain (the browser tests reuse a build against a fresh anvil port).
function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The part of the server configuration the browser needs: which chain, which RPC, which
 * contracts. Read on every request so one build serves any deployment.
 */
export function getPublicConfig(): PublicConfig {
  const parsed = envSchema.safeParse({
    chainId: env("CHAIN_ID") ?? env("NEXT_PUBLIC_CHAIN_ID"),
    rpcUrl: env("RPC_URL") ?? env("NEXT_PUBLIC_RPC_URL"),
    walletConnectProjectId: env("WALLETCONNECT_PROJECT_ID") ?? env("NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID"),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PublicConfigError(`invalid web configuration: ${issue.path.join(".")} ${issue.message}`);
  }
  const token = env("TOKEN_ADDRESS");
  const market = env("MARKET_ADDRESS");
  const registry = env("REGISTRY_ADDRESS");
  const contracts =
    token && market && registry
      ? {
          token: addressSchema.parse(token) as `0x${string}`,
          market: addressSchema.parse(market) as `0x${string}`,
          registry: addressSchema.parse(registry) as `0x${string}`,
        }
      : null;
  return {
    chainId: parsed.data.chainId,
    rpcUrl: parsed.data.rpcUrl,
    walletConnectProjectId: parsed.data.walletConnectProjectId ?? null,
    contracts,
    token: { symbol: "USD", decimals: 6 },
    devFaucet: parsed.data.chainId === 31337,
  };
}
