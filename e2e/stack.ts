import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type IndexerProcess, startIndexer } from "@/indexer/process";
import { type AnvilInstance, getFreePort, startAnvil } from "@/lib/chain/anvil";
import { type Deployment, deployUpstream, writeDeployment } from "@/lib/chain/deploy";
import { deployerAccount, settlerAccount } from "@/lib/chain/devAccounts";
import { buildWeb, startWeb, webBuildIsCurrent } from "@/scripts/stack/next";
import type { Service } from "@/scripts/stack/service";

const root = fileURLToPath(new URL("..", import.meta.url));
// Logs of the last run stay here (git-ignored) for whoever has to read why a start failed.
const logDir = join(root, "test-results", "e2e-logs");

/** How long a test file's hook may take to start a stack: a cold `next build` takes about a minute on an idle 2-core machine and several on a busy one. */
export const STACK_START_TIMEOUT_MS = 15 * 60_000;

/** A running local marketplace for browser tests. */
export type Stack = {
  /** Base URL of the web app, e.g. http://127.0.0.1:41234 (no trailing slash). */
  baseUrl: string;
  /** anvil's JSON-RPC URL. */
  rpcUrl: string;
  /** The chain id (31337). */
  chainId: number;
  /** The deployed contracts. */
  deployment: Deployment;
  /** The temp DATA_DIR the app runs on (embedded database, deployment file). */
  dataDir: string;
  /** Base URL of the indexer's API. */
  indexerUrl: string;
  /** Stops the app's process group, the indexer and anvil, and removes the data folder. */
  stop(): Promise<void>;
};

/**
 * Runs `next build` unless `.next` already holds a build of exactly these sources (the same
 * stamp `npm start` keeps), so repeated runs skip the build. Resolves to whether it built.
 */
export async function ensureNextBuild(): Promise<boolean> {
  if (webBuildIsCurrent(root)) return false;
  mkdirSync(logDir, { recursive: true });
  await buildWeb(root, join(logDir, "next-build.log"));
  return true;
}

async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await getFreePort());
  return [...ports];
}

/** Options of {@link startStack}. */
export type StackOptions = {
  /**
   * Runs once the contracts are deployed, before the indexer and the app start: the app's
   * database (PGlite under `dataDir/db`, one process at a time) is free to seed.
   */
  prepare?: (context: { rpcUrl: string; chainId: number; deployment: Deployment; dataDir: string }) => Promise<void>;
};

/**
 * Starts anvil on a free port, deploys the contracts, builds the app if its sources changed,
 * and runs the indexer and `next start` on free ports against that chain with a fresh DATA_DIR.
 * Everything started is stopped again if a later step fails.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), "upstream-e2e-"));
  let anvil: AnvilInstance | undefined;
  let web: Promise<Service> | undefined;
  let indexer: Promise<IndexerProcess> | undefined;
  const stop = async () => {
    // A service still starting when another failed is stopped once its start settles.
    const [app, ponder] = await Promise.allSettled([web, indexer]);
    if (app.status === "fulfilled") await app.value?.stop();
    if (ponder.status === "fulfilled") await ponder.value?.stop();
    await anvil?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await ensureNextBuild();
    anvil = await startAnvil();
    const deployment = await deployUpstream({
      rpcUrl: anvil.rpcUrl,
      deployerKey: deployerAccount.privateKey,
      settler: settlerAccount.address,
      treasury: deployerAccount.address,
    });
    const deploymentFile = join(dataDir, "deployment.json");
    writeDeployment(deploymentFile, deployment);
    await options.prepare?.({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployment, dataDir });

    const [port, indexerPort] = await freePorts(2);
    const indexerUrl = `http://127.0.0.1:${indexerPort}`;
    mkdirSync(logDir, { recursive: true });
    indexer = startIndexer({
      rpcUrl: anvil.rpcUrl,
      deploymentFile,
      port: indexerPort,
      dataDir: join(dataDir, "indexer"),
      schema: "e2e",
      fresh: true,
      logFile: join(logDir, "indexer.log"),
    });
    web = startWeb({
      root,
      port,
      logFile: join(logDir, "next-start.log"),
      env: {
        ...process.env,
        NODE_ENV: "production",
        CHAIN_ID: String(anvil.chainId),
        RPC_URL: anvil.rpcUrl,
        DATA_DIR: dataDir,
        DEPLOYMENT_FILE: deploymentFile,
        INDEXER_URL: indexerUrl,
        DATABASE_URL: "",
      },
    });
    await Promise.all([web, indexer]);
    return { baseUrl: `http://127.0.0.1:${port}`, rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployment, dataDir, indexerUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
