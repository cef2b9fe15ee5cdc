/** The web app in the stack: `next build` when its sources changed, then `next start` as a process group. */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { runToCompletion, type Service, startService } from "./service";

// What `next build` reads: a change to any of these makes a build stale.
const BUILD_INPUTS = [
  "app",
  "components",
  "lib",
  "db",
  "public",
  "next.config.ts",
  "tailwind.config.ts",
  "postcss.config.mjs",
  "instrumentation.ts",
  "tsconfig.json",
  "package-lock.json",
];

function collectFiles(path: string, into: string[]): void {
  if (!existsSync(path)) return;
  if (statSync(path).isFile()) {
    into.push(path);
    return;
  }
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    collectFiles(join(path, entry.name), into);
  }
}

/** SHA-256 over the paths and contents of what `next build` reads (tests excluded). */
export function webSourcesHash(root: string): string {
  const files: string[] = [];
  for (const input of BUILD_INPUTS) collectFiles(join(root, input), files);
  const hash = createHash("sha256");
  for (const file of files.filter((f) => !/\.test\.tsx?$/.test(f)).sort()) {
    hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

const stampFile = (root: string) => join(root, ".next", "upstream-sources.sha256");

/** Whether `.next` holds a build of exactly the current sources. */
export function webBuildIsCurrent(root: string): boolean {
  const stamp = stampFile(root);
  return existsSync(join(root, ".next", "BUILD_ID")) && existsSync(stamp) && readFileSync(stamp, "utf8") === webSourcesHash(root);
}

const nextBin = (root: string) => join(root, "node_modules", ".bin", "next");

/** Runs `next build` in its own process group (so Ctrl-C stops it) and stamps the sources it built. */
export async function buildWeb(root: string, logFile: string, register?: (service: Service) => void): Promise<void> {
  const sources = webSourcesHash(root);
  await runToCompletion(
    {
      name: "next build",
      command: nextBin(root),
      args: ["build"],
      cwd: root,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      logFile,
    },
    register,
  );
  writeFileSync(stampFile(root), sources);
}

/** Starts `next start` on `port` and resolves once `/` answers 200. */
export function startWeb(options: { root: string; port: number; env: NodeJS.ProcessEnv; logFile: string }): Promise<Service> {
  const url = `http://127.0.0.1:${options.port}/`;
  return startService({
    name: "web app",
    command: nextBin(options.root),
    args: ["start", "-p", String(options.port), "-H", "127.0.0.1"],
    cwd: options.root,
    env: { ...options.env, NEXT_TELEMETRY_DISABLED: "1" },
    logFile: options.logFile,
    readyTimeoutMs: 90_000,
    ready: async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      await response.body?.cancel();
      return response.status === 200;
    },
  });
}
