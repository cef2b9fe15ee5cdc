/**
 * Runs the Ponder indexer as a child process group: the one-command stack and the browser
 * tests start it with `startIndexer` and stop it with the returned `stop()`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { readDeployment } from "../lib/chain/deploy";

/** Options of {@link startIndexer}. */
export interface StartIndexerOptions {
  /** JSON-RPC URL of the chain to index. */
  rpcUrl: string;
  /** The deployment JSON (`lib/chain/deploy.ts`) naming the contracts and the start block. */
  deploymentFile: string;
  /** HTTP port of the indexer's API. */
  port: number;
  /** Interface to listen on (default 127.0.0.1). */
  hostname?: string;
  /** PostgreSQL connection string; absent means Ponder's embedded PGlite under `dataDir/ponder`. */
  databaseUrl?: string;
  /** Folder for local state (the PGlite folder and the log file). */
  dataDir: string;
  /** Database schema Ponder writes to (letters, digits, _; at most 45 characters). */
  schema: string;
  /** Drop this indexer's earlier state first (its PGlite folder, or its PostgreSQL schema). */
  fresh?: boolean;
  /** How long historical indexing may take before giving up, in ms (default 180,000). */
  readyTimeoutMs?: number;
  /** Where Ponder's output goes (default `<dataDir>/ponder.log`). */
  logFile?: string;
}

/** A running indexer. */
export interface IndexerProcess {
  /** Base URL of its API, e.g. http://127.0.0.1:42069. */
  url: string;
  /** Process id of the Ponder process (the leader of its process group). */
  pid: number;
  /** Stops the whole process group: SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** Ponder did not start or did not become ready; `logTail` holds its last lines. */
export class IndexerStartError extends Error {
  readonly code = "INDEXER_START_FAILED";
  constructor(
    message: string,
    readonly logTail: string,
  ) {
    super(logTail ? `${message}\n--- last lines of the indexer's log ---\n${logTail}` : message);
    this.name = "IndexerStartError";
  }
}

const indexerDir = dirname(fileURLToPath(import.meta.url));
const ponderBin = join(indexerDir, "..", "node_modules", "ponder", "dist", "esm", "bin", "ponder.js");
const TAIL_LINES = 40;

/** Starts Ponder over the deployment and resolves once its /ready answers 200 (historical sync done). */
export async function startIndexer(options: StartIndexerOptions): Promise<IndexerProcess> {
  const hostname = options.hostname ?? "127.0.0.1";
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,44}$/.test(options.schema)) {
    throw new IndexerStartError(
      `Indexer schema "${options.schema}" must be letters, digits and _ (at most 45, not starting with a digit)`,
      "",
    );
  }
  if (!existsSync(ponderBin)) throw new IndexerStartError(`Ponder is not installed (${ponderBin} is missing): run npm install`, "");
  const deployment = readDeployment(options.deploymentFile);
  await assertPortFree(options.port, hostname);

  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  if (options.fresh) await dropState(options, dataDir);
  const logFile = resolve(options.logFile ?? join(dataDir, "ponder.log"));
  writeFileSync(logFile, "");

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PONDER_TELEMETRY_DISABLED: "true",
    NO_COLOR: "1",
    RPC_URL: options.rpcUrl,
    CHAIN_ID: String(deployment.chainId),
    DEPLOYMENT_FILE: resolve(options.deploymentFile),
    DATA_DIR: dataDir,
  };
  // Ponder falls back to these itself; PGlite must mean PGlite.
  delete env.DATABASE_URL;
  delete env.DATABASE_PRIVATE_URL;
  // Ponder listens on $PORT in preference to --port: a PORT meant for the web app must not reach it.
  delete env.PORT;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;

  const args = [
    ponderBin,
    "start",
    "--root",
    indexerDir,
    "--schema",
    options.schema,
    "--port",
    String(options.port),
    "--hostname",
    hostname,
  ];
  const child = spawn(process.execPath, args, { cwd: indexerDir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const tail: string[] = [];
  const onOutput = (chunk: Buffer) => {
    appendFileSync(logFile, chunk);
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim()) tail.push(line);
    }
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  child.stdout!.on("data", onOutput);
  child.stderr!.on("data", onOutput);

  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((done) =>
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      done();
    }),
  );
  // If this process ends without stop(), the indexer must not outlive it.
  const killOnExit = () => killGroup(child, "SIGKILL");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.off("exit", killOnExit);
    if (exit) return;
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  while (!(await isReady(url))) {
    if (exit) {
      process.off("exit", killOnExit);
      throw new IndexerStartError(`The indexer exited before it was ready (${describeExit(exit)})${hint(tail)}`, tail.join("\n"));
    }
    if (Date.now() > deadline) {
      await stop();
      throw new IndexerStartError(`The indexer was not ready within ${options.readyTimeoutMs ?? 180_000} ms`, tail.join("\n"));
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  return { url, pid: child.pid!, stop };
}

async function isReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) })).status === 200;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

// Ponder's most common refusal has a remedy the caller controls.
function hint(tail: string[]): string {
  return tail.some((line) => line.includes("previously used by a different Ponder app"))
    ? ": its schema holds another deployment or build; start with `fresh: true` or another schema"
    : "";
}

function assertPortFree(port: number, hostname: string): Promise<void> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      fail(
        new IndexerStartError(
          error.code === "EADDRINUSE" ? `Indexer port ${port} is already in use` : `Indexer port ${port}: ${error.message}`,
          "",
        ),
      ),
    );
    server.listen(port, hostname, () => server.close(() => done()));
  });
}

async function dropState(options: StartIndexerOptions, dataDir: string): Promise<void> {
  if (!options.databaseUrl) {
    rmSync(join(dataDir, "ponder"), { recursive: true, force: true });
    return;
  }
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${options.schema}" cascade`);
  } finally {
    await client.end();
  }
}
