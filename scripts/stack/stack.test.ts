import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getFreePort } from "@/lib/chain/anvil";
import { loadConfig } from "@/lib/config";
import { startStack } from "./index";
import { assertPortsFree, isPortFree, PortInUseError } from "./ports";
import { ServiceStartError, startService } from "./service";
import { StepFailedError, StepRunner } from "./steps";

let dir: string;
let blocker: Server;
let takenPort: number;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "upstream-stack-"));
  takenPort = await getFreePort();
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(takenPort, "127.0.0.1", resolve));
});

afterAll(async () => {
  await new Promise((resolve) => blocker?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("ports", () => {
  it("names every taken port, including one needed twice", async () => {
    const free = await getFreePort();
    expect(await isPortFree(takenPort)).toBe(false);
    await expect(assertPortsFree([{ name: "web", port: free }])).resolves.toBeUndefined();
    const error = await assertPortsFree([
      { name: "anvil", port: takenPort },
      { name: "web", port: free },
      { name: "indexer", port: free },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as PortInUseError).taken.map((p) => p.port)).toEqual([takenPort, free]);
    expect((error as Error).message).toContain(`port ${takenPort} for anvil`);
  });
});

describe("orchestration", () => {
  it("stops a started service and everything it spawned when a later step fails", async () => {
    const runner = new StepRunner();
    const logFile = join(dir, "parent.log");
    // The service starts a grandchild and prints its pid: stopping the group must end both.
    const script = `const c = require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }); console.log("child " + c.pid); setInterval(() => {}, 1000);`;
    const service = await runner.step("start a service", async () => {
      const started = await startService({
        name: "parent",
        command: process.execPath,
        args: ["-e", script],
        logFile,
        ready: async () => /child \d+/.test(readFileSync(logFile, "utf8")),
      });
      runner.onStop("parent", started.stop);
      return { value: started };
    });
    const grandchild = Number(/child (\d+)/.exec(readFileSync(logFile, "utf8"))![1]);
    expect(alive(service.pid) && alive(grandchild)).toBe(true);

    const failure = await runner
      .step("a step that fails", async () => {
        throw new Error("no such thing");
      })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StepFailedError);
    expect((failure as StepFailedError).step).toBe("a step that fails");
    await runner.stopAll();
    expect(await until(() => !alive(service.pid) && !alive(grandchild))).toBe(true);
  });

  it("reports a service that exits before it is ready, with its last output", async () => {
    const error = await startService({
      name: "broken",
      command: process.execPath,
      args: ["-e", 'console.error("cannot bind: address already in use"); process.exit(3)'],
      logFile: join(dir, "broken.log"),
      ready: async () => false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceStartError);
    expect((error as Error).message).toMatch(/broken exited with code 3/);
    expect((error as Error).message).toContain("cannot bind: address already in use");
  });

  it("startStack refuses a taken port before starting anything", async () => {
    const anvilPort = await getFreePort();
    const dataDir = join(dir, "stack");
    const config = loadConfig({
      DATA_DIR: dataDir,
      RPC_URL: `http://127.0.0.1:${anvilPort}`,
      PORT: String(takenPort),
      INDEXER_PORT: String(await getFreePort()),
    });
    const lines: string[] = [];
    const error = await startStack({ config, progress: (line) => lines.push(line) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect((error as StepFailedError).step).toBe("checking binaries and ports");
    expect(lines.join("\n")).toContain(`port ${takenPort} for the web app (PORT)`);
    expect(await isPortFree(anvilPort)).toBe(true);
    expect(existsSync(join(dataDir, "anvil-state.json"))).toBe(false);
  });

  it("startStack refuses a remote RPC_URL: it runs its own anvil", async () => {
    const config = loadConfig({ DATA_DIR: join(dir, "remote"), RPC_URL: "https://rpc.example.org", PORT: String(await getFreePort()) });
    await expect(startStack({ config })).rejects.toMatchObject({
      step: "checking binaries and ports",
      message: expect.stringMatching(/not a local address/),
    });
  });
});
