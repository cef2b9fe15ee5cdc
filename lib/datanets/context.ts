/**
 * What a route handler needs to publish and contribute: the process's database, a read client
 * on the configured chain, and the deployed registry and token.
 */
import type { Address } from "viem";
import { publicClientFor } from "@/lib/chain/clients";
import { DeploymentFileError, readDeployment } from "@/lib/chain/deploy";
import { config } from "@/lib/config";
import { sharedDb, type DbOrTransaction } from "@/db/client";
import type { ChainReader } from "./chain";
import { ChainUnavailableError } from "./errors";

/** The database, chain and contracts one request works against. */
export type MarketplaceContext = {
  /** The app database. */
  db: DbOrTransaction;
  /** Read client on the marketplace's chain. */
  client: ChainReader;
  /** The UpstreamRegistry address. */
  registry: Address;
  /** The payment token stakes are posted in. */
  token: Address;
};

let cachedClient: { key: string; client: ChainReader } | undefined;

/** The context of the running server, from its configuration; throws ChainUnavailableError without a deployment. */
export async function marketplaceContext(): Promise<MarketplaceContext> {
  const settings = config();
  let deployment;
  try {
    // Read on every request: a redeploy (`npm start -- --fresh`) rewrites the file under a running server.
    deployment = readDeployment(settings.deploymentFile);
  } catch (error) {
    if (error instanceof DeploymentFileError) throw new ChainUnavailableError(`No Upstream deployment: ${error.message}`);
    throw error;
  }
  const key = `${settings.chainId}|${settings.rpcUrl}`;
  if (cachedClient?.key !== key) cachedClient = { key, client: publicClientFor({ chainId: settings.chainId, rpcUrl: settings.rpcUrl }) };
  const { db } = await sharedDb(settings);
  return { db, client: cachedClient.client, registry: deployment.registry, token: deployment.token };
}
