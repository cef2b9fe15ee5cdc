import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { getFreePort, startAnvil, type AnvilInstance } from "@/lib/chain/anvil";
import { deployUpstream, writeDeployment, type Deployment } from "@/lib/chain/deploy";
import { deployerAccount, settlerAccount } from "@/lib/chain/devAccounts";
import { startIndexer, type IndexerProcess } from "@/indexer/process";

const root = fileURLToPath(new URL("..", import.meta.url));

// What `next build` reads. A change to any of these makes the cached build stale.
const buildInputs = ["app", "components", "lib", "db", "public", "next.config.ts", "tailwind.config.ts", "postcss.config.mjs", "instrumentation.ts", "tsconfig.json", "package-lock.json"];
const buildStamp = join(root, ".next", "upstream-sources.sha256");

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

function filesUnder(path: string, into: string[]): void {
  if (!existsSync(path)) return;
  if (statSync(path).isFile()) {
    into.push(path);
    return;
  }
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    filesUnder(join(path, entry.name), into);
  }
}

/** SHA-256 over the paths and contents of everything `next build` reads (tests excluded). */
export function buildSourcesHash(): string {
  const files: string[] = [];
  for (const input of buildInputs) filesUnder(join(root, input), files);
  const hash = createHash("sha256");
  for (const file of files.filter((f) => !/\.test\.tsx?$/.test(f)).sort()) {
    hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

/**
 * Runs `next build` unless `.next` already holds a build of exactly these sources, so repeated
 * runs (and CI after a warm cache) skip the ~45 s build. Resolves to whether it built.
 */
export async function ensureNextBuild(): Promise<boolean> {
  const sources = buildSourcesHash();
  const built = existsSync(join(root, ".next", "BUILD_ID")) && existsSync(buildStamp) && readFileSync(buildStamp, "utf8") === sources;
  if (built) return false;
  // Asynchronous on purpose: a blocked test worker misses its runner's heartbeats.
  const child = spawn(join(root, "node_modules", ".bin", "next"), ["build"], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  // A test run that times out or dies must not leave a build running.
  const killBuild = () => killGroup(child, "SIGKILL");
  process.once("exit", killBuild);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  process.off("exit", killBuild);
  if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${output.trim().slice(-4000)}`);
  writeFileSync(buildStamp, sources);
  return true;
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`next start exited (${child.exitCode ?? child.signalCode}) before serving ${url}:\n${output().slice(-3000)}`);
    }
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`next start did not serve ${url} within ${timeoutMs} ms:\n${output().slice(-3000)}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

// `next start` forks a server child; killing only the parent leaves it on the port. Signal the group.
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts anvil on a free port, deploys the contracts, builds the app if its sources changed,
 * and runs the indexer and `next start` on free ports against that chain with a fresh DATA_DIR.
 * Everything started is stopped again if a later step fails.
 */
export async function startStack(): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), "upstream-e2e-"));
  let anvil: AnvilInstance | undefined;
  let app: ChildProcess | undefined;
  let indexerStarted: Promise<IndexerProcess | undefined> | undefined;
  let startFailure: unknown;
  const stop = async () => {
    if (app) await stopGroup(app);
    // An indexer still starting when a later step failed is stopped once it is up.
    await (await indexerStarted)?.stop();
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

    const port = await getFreePort();
    let indexerPort = await getFreePort();
    while (indexerPort === port) indexerPort = await getFreePort();
    const indexerUrl = `http://127.0.0.1:${indexerPort}`;
    indexerStarted = startIndexer({
      rpcUrl: anvil.rpcUrl,
      deploymentFile,
      port: indexerPort,
      dataDir: join(dataDir, "indexer"),
      schema: "e2e",
      fresh: true,
    }).catch((error: unknown) => {
      startFailure = error;
      return undefined;
    });
    let output = "";
    app = spawn(join(root, "node_modules", ".bin", "next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        PORT: String(port),
        CHAIN_ID: String(anvil.chainId),
        RPC_URL: anvil.rpcUrl,
        DATA_DIR: dataDir,
        DEPLOYMENT_FILE: deploymentFile,
        INDEXER_URL: indexerUrl,
        DATABASE_URL: "",
      },
    });
    const server = app;
    // A test process that dies must not leave the server holding its port.
    process.once("exit", () => killGroup(server, "SIGKILL"));
    app.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    app.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const baseUrl = `http://127.0.0.1:${port}`;
    await Promise.all([waitForHttp(baseUrl, app, () => output, 90_000), indexerStarted]);
    if (startFailure) throw startFailure;
    return { baseUrl, rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployment, dataDir, indexerUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
