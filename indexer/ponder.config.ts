import { join, resolve } from "node:path";
import { createConfig } from "ponder";
import { upstreamMarketAbi, upstreamRegistryAbi } from "../lib/chain/abis";
import { readDeployment } from "../lib/chain/deploy";
import { LOCAL_CHAIN_ID, loadConfig } from "../lib/config";

// What to index comes from the same configuration and deployment file as the app's.
const config = loadConfig(process.env);
const deployment = readDeployment(config.deploymentFile);
if (process.env.CHAIN_ID && deployment.chainId !== config.chainId) {
  throw new Error(`CHAIN_ID is ${config.chainId} but ${config.deploymentFile} is a deployment on chain ${deployment.chainId}`);
}
const local = deployment.chainId === LOCAL_CHAIN_ID;

export default createConfig({
  database: config.databaseUrl
    ? { kind: "postgres", connectionString: config.databaseUrl }
    : { kind: "pglite", directory: resolve(join(config.dataDir, "ponder")) },
  chains: {
    upstream: {
      id: deployment.chainId,
      rpc: config.rpcUrl,
      // A local anvil restarted from scratch reuses block numbers with other blocks, so a cached
      // RPC answer could be from a chain that no longer exists; and it answers fast, so poll often.
      disableCache: local,
      pollingInterval: local ? 250 : 1_000,
    },
  },
  contracts: {
    Registry: {
      abi: upstreamRegistryAbi,
      chain: "upstream",
      address: deployment.registry,
      startBlock: deployment.startBlock,
    },
    Market: {
      abi: upstreamMarketAbi,
      chain: "upstream",
      address: deployment.market,
      startBlock: deployment.startBlock,
    },
  },
});
