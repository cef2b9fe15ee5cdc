import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Options of {@link startAnvil}. */
export type StartAnvilOptions = {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Chain id (anvil's default is 31337). */
  chainId?: number;
  /** Seconds between mined blocks; omitted = mine on every transaction. */
  blockTime?: number;
  /** File to load the chain state from at start and dump it to on stop (anvil `--state`). */
  stateFile?: string;
  /** Further anvil flags, e.g. `["--steps-tracing"]` to profile gas. */
  extraArgs?: string[];
  /** How long to wait for the node to answer, in ms (default 20 s). */
  timeoutMs?: number;
};

/** A running anvil node. */
export type AnvilInstance = {
  /** JSON-RPC HTTP URL, e.g. `http://127.0.0.1:8545`. */
  rpcUrl: string;
  /** The port it listens on. */
  port: number;
  /** Its chain id. */
  chainId: number;
  /** Stops the node (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
};

/** The anvil binary is not installed where we look. */
export class AnvilNotFoundError extends Error {
  readonly code = "ANVIL_NOT_FOUND";
  constructor(readonly searched: string[]) {
    super(`anvil binary not found (looked at ${searched.join(", ")}); run \`npm install\` or set ANVIL_BIN`);
  }
}

/** The requested port is already in use. */
export class AnvilPortInUseError extends Error {
  readonly code = "ANVIL_PORT_IN_USE";
  constructor(readonly port: number) {
    super(`port ${port} is already in use; pick another or omit it to use a free one`);
  }
}

/** anvil exited or did not answer in time. */
export class AnvilStartError extends Error {
  readonly code = "ANVIL_START_FAILED";
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}${output ? `\n${output.trim().slice(-2000)}` : ""}`);
  }
}

/** Path of the anvil binary: `ANVIL_BIN`, else the platform package of `@foundry-rs/anvil`. */
export function anvilBinaryPath(): string {
  const fromEnv = process.env.ANVIL_BIN;
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const name = process.platform === "win32" ? "anvil.exe" : "anvil";
  const relative = join("node_modules", "@foundry-rs", `anvil-${process.platform}-${arch}`, "bin", name);
  const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
  const candidates = fromEnv ? [fromEnv] : [join(repoRoot, relative), join(process.cwd(), relative)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new AnvilNotFoundError(candidates);
  return found;
}

/** Resolves a TCP port on 127.0.0.1 that is free right now. */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

// A crashed test process must not leave nodes behind holding ports.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

async function answers(rpcUrl: string): Promise<number | undefined> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    const body = (await response.json()) as { result?: string };
    return body.result ? Number(body.result) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Spawns the anvil binary directly (not through npx, which would leave the node running as an
 * orphaned child) and resolves once it answers JSON-RPC.
 */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilInstance> {
  const binary = anvilBinaryPath();
  let port = options.port;
  if (port === undefined) {
    port = await getFreePort();
  } else if (!(await isPortFree(port))) {
    throw new AnvilPortInUseError(port);
  }
  const args = ["--host", "127.0.0.1", "--port", String(port), "--silent"];
  if (options.chainId !== undefined) args.push("--chain-id", String(options.chainId));
  if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
  if (options.stateFile !== undefined) args.push("--state", options.stateFile);
  if (options.extraArgs) args.push(...options.extraArgs);

  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  installExitHook();
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    running.delete(child);
  });

  const rpcUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (hasExited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (hasExited) {
      if (/address already in use/i.test(output)) throw new AnvilPortInUseError(port);
      throw new AnvilStartError(`anvil exited before answering on ${rpcUrl}`, output);
    }
    const chainId = await answers(rpcUrl);
    if (chainId !== undefined) return { rpcUrl, port, chainId, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new AnvilStartError(`anvil did not answer on ${rpcUrl} in time`, output);
}
