/**
 * Long-running child processes of the local stack. Each runs in its own process group
 * (`detached`), so stopping it stops everything it spawned too — `npx next start`, for one,
 * leaves `next-server` running when only its own PID is killed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";

/** Options of {@link startService}. */
export type ServiceOptions = {
  /** Name for messages, e.g. "anvil". */
  name: string;
  /** Executable to run (an absolute path, or `process.execPath` for node). */
  command: string;
  /** Its arguments. */
  args: readonly string[];
  /** Working directory (default the current one). */
  cwd?: string;
  /** Environment (default this process's). */
  env?: NodeJS.ProcessEnv;
  /** File that receives the service's stdout and stderr (appended). */
  logFile: string;
  /** Resolves true once the service answers; polled until then. */
  ready?: () => Promise<boolean>;
  /** How long `ready` may take, in ms (default 60 s). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL, in ms (default 10 s). */
  stopTimeoutMs?: number;
};

/** A running service. */
export type Service = {
  /** Its name. */
  name: string;
  /** PID of the process-group leader. */
  pid: number;
  /** Where its output goes. */
  logFile: string;
  /** Resolves when the process exits (code, or the signal that ended it). */
  exited: Promise<string>;
  /** SIGTERM to the whole group, SIGKILL after the timeout; resolves once it exited. */
  stop(): Promise<void>;
  /** Its last lines of output. */
  outputTail(): string;
};

/** A service exited before it was ready, or did not become ready in time. */
export class ServiceStartError extends Error {
  readonly code = "SERVICE_START_FAILED";
  constructor(
    readonly service: string,
    reason: string,
    readonly logTail: string,
    readonly logFile: string,
  ) {
    super(`${service} ${reason}${logTail ? `\n--- last lines of ${logFile} ---\n${logTail}` : ` (see ${logFile})`}`);
    this.name = "ServiceStartError";
  }
}

const TAIL_LINES = 30;
const live = new Set<ChildProcess>();
let exitHook = false;

/** Sends `signal` to the process group led by `pid`; false when it is gone already. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Starts a command in its own process group and, with `ready`, waits until it answers. */
export async function startService(options: ServiceOptions): Promise<Service> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log: WriteStream = createWriteStream(options.logFile, { flags: "a" });
  const tail: string[] = [];
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const onOutput = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) tail.push(line);
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  child.stdout?.on("data", onOutput);
  child.stderr?.on("data", onOutput);

  let exitReason: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once("error", (error) => {
      exitReason ??= `could not be started: ${error.message}`;
      resolve(exitReason);
    });
    child.once("exit", (code, signal) => {
      exitReason ??= signal ? `was ended by ${signal}` : `exited with code ${code}`;
      resolve(exitReason);
    });
  }).finally(() => {
    live.delete(child);
    log.end();
  });
  live.add(child);
  // If this process dies without stopping its services, they must not outlive it.
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const c of live) if (c.pid) signalGroup(c.pid, "SIGKILL");
    });
  }

  const stop = async (): Promise<void> => {
    if (exitReason !== undefined || !child.pid) return;
    signalGroup(child.pid, "SIGTERM");
    const timer = setTimeout(() => child.pid && signalGroup(child.pid, "SIGKILL"), options.stopTimeoutMs ?? 10_000);
    await exited;
    clearTimeout(timer);
    // Children that ignored SIGTERM (or were orphaned by the leader) go too.
    signalGroup(child.pid, "SIGKILL");
  };

  const fail = async (reason: string): Promise<never> => {
    await stop();
    throw new ServiceStartError(options.name, reason, tail.join("\n"), options.logFile);
  };

  if (options.ready) {
    const timeoutMs = options.readyTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exitReason !== undefined) return fail(exitReason);
      if (await options.ready().catch(() => false)) break;
      if (exitReason !== undefined) return fail(exitReason);
      if (Date.now() > deadline) return fail(`did not answer within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } else if (exitReason !== undefined) {
    return fail(exitReason);
  }
  return { name: options.name, pid: child.pid!, logFile: options.logFile, exited, stop, outputTail: () => tail.join("\n") };
}

/** Runs a command to completion in its own process group (stoppable like a service); rejects on a non-zero exit. */
export async function runToCompletion(
  options: Omit<ServiceOptions, "ready" | "readyTimeoutMs">,
  register?: (service: Service) => void,
): Promise<void> {
  const service = await startService(options);
  register?.(service);
  const reason = await service.exited;
  if (reason !== "exited with code 0") throw new ServiceStartError(options.name, reason, service.outputTail(), options.logFile);
}

/** Resolves true when `url` answers HTTP at all (any status below 500). */
export async function answersHttp(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    await response.body?.cancel();
    return response.status < 500;
  } catch {
    return false;
  }
}
