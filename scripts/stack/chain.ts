/** The local chain of the stack: a persistent anvil and a deployment that matches it. */
import { existsSync } from "node:fs";
import { privateKeyToAccount } from "viem/accounts";
import { anvilBinaryPath } from "@/lib/chain/anvil";
import { publicClientFor } from "@/lib/chain/clients";
import { DEPLOY_DEFAULTS, type Deployment, deployUpstream, readDeployment, writeDeployment } from "@/lib/chain/deploy";
import { deployerAccount, settlerAccount } from "@/lib/chain/devAccounts";
import { type Service, startService } from "./service";

/** Where a local anvil listens, from RPC_URL. */
export type LocalRpc = { host: string; port: number; url: string };

/** RPC_URL does not name a local address the stack can start anvil on. */
export class NotLocalRpcError extends Error {
  readonly code = "RPC_NOT_LOCAL";
  constructor(rpcUrl: string) {
    super(
      `RPC_URL ${rpcUrl} is not a local address: \`npm start\` runs its own anvil, so RPC_URL must be http://127.0.0.1:<port> or http://localhost:<port>`,
    );
    this.name = "NotLocalRpcError";
  }
}

/** The host and port a local anvil must listen on for `rpcUrl`. */
export function localRpc(rpcUrl: string): LocalRpc {
  const url = new URL(rpcUrl);
  if (url.protocol !== "http:" || !["127.0.0.1", "localhost"].includes(url.hostname)) throw new NotLocalRpcError(rpcUrl);
  const port = Number(url.port || 80);
  return { host: "127.0.0.1", port, url: `http://127.0.0.1:${port}` };
}

async function chainIdAt(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await response.json()) as { result?: string };
    return body.result ? Number(body.result) : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@link startPersistentAnvil}. */
export type PersistentAnvilOptions = {
  rpc: LocalRpc;
  chainId: number;
  /** anvil loads this file at start and writes it on exit (and every 30 s, so a crash loses little). */
  stateFile: string;
  logFile: string;
};

/** Starts anvil with its state persisted in `stateFile`; resolves once it answers with the chain id. */
export async function startPersistentAnvil(options: PersistentAnvilOptions): Promise<Service & { resumed: boolean }> {
  const resumed = existsSync(options.stateFile);
  const service = await startService({
    name: "anvil",
    command: anvilBinaryPath(),
    args: [
      "--host",
      options.rpc.host,
      "--port",
      String(options.rpc.port),
      "--chain-id",
      String(options.chainId),
      "--state",
      options.stateFile,
      "--state-interval",
      "30",
    ],
    logFile: options.logFile,
    ready: async () => (await chainIdAt(options.rpc.url)) === options.chainId,
    readyTimeoutMs: 30_000,
  });
  return { ...service, resumed };
}

/** A usable deployment and whether this call made it. */
export type EnsuredDeployment = { deployment: Deployment; deployed: boolean };

/**
 * The deployment in `file` if the chain holds code at its addresses, otherwise a new one
 * (TestUSD, registry, market; admin dev account 0, settler from SETTLER_PRIVATE_KEY) written there.
 */
export async function ensureDeployment(options: {
  rpcUrl: string;
  chainId: number;
  file: string;
  feeBps: number;
  /** The settlement bound (`withdrawalDelayBoundSeconds`): the market's withdrawal delay is at least this. */
  minWithdrawalDelay: bigint;
  settlerPrivateKey?: `0x${string}`;
}): Promise<EnsuredDeployment> {
  const client = publicClientFor({ chainId: options.chainId, rpcUrl: options.rpcUrl });
  if (existsSync(options.file)) {
    const existing = readDeployment(options.file);
    if (existing.chainId === options.chainId) {
      const codes = await Promise.all([existing.token, existing.registry, existing.market].map((address) => client.getCode({ address })));
      if (codes.every((code) => code && code !== "0x")) return { deployment: existing, deployed: false };
    }
  }
  const settler = options.settlerPrivateKey ? privateKeyToAccount(options.settlerPrivateKey).address : settlerAccount.address;
  const deployment = await deployUpstream({
    rpcUrl: options.rpcUrl,
    deployerKey: deployerAccount.privateKey,
    settler,
    treasury: deployerAccount.address,
    feeBps: options.feeBps,
    // No flag to set it here: the default hour, or the bound when a long batch wait exceeds it.
    withdrawalDelay:
      options.minWithdrawalDelay > DEPLOY_DEFAULTS.withdrawalDelay ? options.minWithdrawalDelay : DEPLOY_DEFAULTS.withdrawalDelay,
    minWithdrawalDelay: options.minWithdrawalDelay,
  });
  writeDeployment(options.file, deployment);
  return { deployment, deployed: true };
}
