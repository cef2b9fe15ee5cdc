/**
 * The load driver of `npm run bench:gateway`: anvil with the contracts, the server process(es) (or
 * `next start`), permits and API keys for eight payers registered over the API, then `clients`
 * concurrent clients sending chat completions for `seconds`; after the settler drains, the chain's
 * InferenceSettled events are counted per inference. It measures; report.ts turns the result into figures.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getFreePort } from "@/lib/chain/anvil";
import { buildWeb, startWeb, webBuildIsCurrent } from "@/scripts/stack/next";
import type { Service } from "@/scripts/stack/service";
import { type ServerHandle, type ServerMessage, startServer } from "./server";

const PAYERS = [2, 3, 4, 5, 6, 7, 8, 9];

/** The server's split of one answer's time, as the API reports it in `upstream.timings`. */
export type Timings = { paymentMs: number; retrievalMs: number; backendMs: number; attributionMs: number; attributionCpuMs: number };

/** What to run. */
export type GatewayBenchOptions = {
  /** Length of the measured run. */
  seconds: number;
  /** Concurrent clients. */
  clients: number;
  /** Gateway processes (more than one needs `databaseUrl`). */
  workers: number;
  /** A PostgreSQL server to create the run's database on; the embedded PGlite when absent. */
  databaseUrl?: string;
  /** Directory for a V8 CPU profile of each server process. */
  cpuProfileDir?: string;
  /** Measure `next start` instead of the route files on node:http. */
  next: boolean;
};

/** What one measured run saw. */
export type GatewayBenchResult = {
  /** Client latency of each paid inference, ms. */
  latencies: number[];
  /** The server's timings of each paid inference. */
  timings: Timings[];
  /** Failed requests by error code. */
  errors: Map<string, number>;
  /** Wall time of the measured run, ms. */
  elapsedMs: number;
  /** Paid inferences finished in each tenth of the run. */
  perTenth: number[];
  /** CPU time of the gateway processes over the measured run, ms. */
  serverCpuMs: number;
  /** The machine's one-minute load average at the end of the run. */
  loadAverage: number;
  /** The outbox after the settler drained. */
  drained: Extract<ServerMessage, { type: "drained" }>;
  /** Committed inferences settled on chain exactly once. */
  settledOnce: number;
  /** Inference ids settled more than once. */
  settledTwice: number;
  /** Inference ids settled on chain that the gateway never committed. */
  unknownOnChain: number;
  /** Settlement transactions. */
  settlementTransactions: number;
};

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs the benchmark end to end, logging its progress, and returns what it measured. */
export async function runGatewayBenchmark(options: GatewayBenchOptions, log: (line: string) => void): Promise<GatewayBenchResult> {
  const { seconds, clients, workers } = options;
  const { seededRandom, startMarketFixture } = await import("@/lib/chain/fixture");
  const { writeDeployment } = await import("@/lib/chain/deploy");
  const { devAccounts } = await import("@/lib/chain/devAccounts");
  const { apiKeyCreationMessage } = await import("@/lib/payments");
  const { upstreamMarketAbi } = await import("@/lib/chain/abis");
  const { chunkSentences, loadMobyDick } = await import("@/lib/attribution/testing/corpora");

  log("starting anvil and deploying the contracts…");
  const fixture = await startMarketFixture({ feeBps: 100 });
  const dir = mkdtempSync(join(tmpdir(), "upstream-bench-gateway-"));
  // On PostgreSQL, a fresh database on that server for this run, dropped at the end.
  const { adminQuery } = await import("@/db/testing");
  const adminUrl = options.databaseUrl;
  const benchDb = `upstream_bench_${process.pid}_${Date.now().toString(36)}`;
  let databaseUrl: string | undefined;
  const servers: ServerHandle[] = [];
  let stopWeb: (() => Promise<void>) | undefined;
  try {
    if (adminUrl) {
      await adminQuery(adminUrl, `create database ${benchDb}`);
      const url = new URL(adminUrl);
      url.pathname = `/${benchDb}`;
      databaseUrl = url.toString();
    }
    writeDeployment(join(dir, "deployment.json"), fixture.deployment);
    log(`funding ${PAYERS.length} payers…`);
    for (const index of PAYERS) await fixture.fund(index, 1_000_000_000n);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dir,
      DEPLOYMENT_FILE: join(dir, "deployment.json"),
      RPC_URL: fixture.anvil.rpcUrl,
      CHAIN_ID: String(fixture.anvil.chainId),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    };
    if (!databaseUrl) delete env.DATABASE_URL;
    // --cpu-prof DIR writes a V8 CPU profile of each server process there.
    const profile = options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
    const start = (args: string[]) => startServer(args, env, profile);
    const origins: string[] = [];
    let web: Service | undefined;
    if (options.next) {
      // The production server: seed, then `next start` owns the database (and runs the settler,
      // started by instrumentation.ts); its whole process group is what is measured.
      if (!webBuildIsCurrent(root)) {
        log("building the web app (next build)…");
        await buildWeb(root, join(dir, "next-build.log"));
      }
      log("seeding a model over Moby-Dick…");
      const seeder = start(["--seed-only"]);
      await seeder.next("ready");
      await new Promise((resolve) => (seeder.process.exitCode !== null ? resolve(null) : seeder.process.once("exit", resolve)));
      log("starting `next start` (the API and the settler)…");
      const port = await getFreePort();
      web = await startWeb({ root, port, env: { ...env, NODE_ENV: "production" }, logFile: join(dir, "next-start.log") });
      stopWeb = web.stop;
      origins.push(`http://127.0.0.1:${port}`);
    } else {
      log("starting the API server and the settler, seeding a model over Moby-Dick…");
      servers.push(start([]));
      origins.push((await servers[0].next("ready")).origin);
      for (let w = 1; w < workers; w++) {
        servers.push(start(["--secondary"]));
        origins.push((await servers[w].next("ready")).origin);
      }
    }
    const ready = { origin: origins[0] };

    log("registering permits and API keys over the API…");
    const apiKeys: string[] = [];
    const expiry = (await fixture.now()) + 86_400n;
    for (const [n, index] of PAYERS.entries()) {
      const permit = await fixture.signPermit(index, { cap: 10n ** 12n, expiry, nonce: BigInt(n + 1) });
      const registered = await postJson(`${ready.origin}/api/permits`, {
        ...permit,
        cap: permit.cap.toString(),
        expiry: permit.expiry.toString(),
        nonce: permit.nonce.toString(),
      });
      const permitId = (registered as { permit: { id: string } }).permit.id;
      const payer = devAccounts[index].address;
      const spendCap = 10n ** 12n;
      const message = apiKeyCreationMessage({ payer, permitId, spendCap, label: "bench", issuedAt: new Date().toISOString() });
      const signature = await fixture.wallet(index).signMessage({ message });
      const created = await postJson(`${ready.origin}/api/keys`, {
        payer,
        permitId,
        spendCap: spendCap.toString(),
        label: "bench",
        message,
        signature,
      });
      apiKeys.push((created as { key: string }).key);
    }

    // Questions from the book itself: a few words of a random sentence, as a reader would ask.
    // Seeded, so every run asks the same questions.
    const random = seededRandom(7).next;
    const sentences = loadMobyDick()
      .flatMap((ch) => chunkSentences(ch.text, 1))
      .filter((s) => s.split(/\s+/).length >= 10);
    const questions = Array.from({ length: 2_000 }, () => {
      const words = sentences[Math.floor(random() * sentences.length)].split(/\s+/);
      const start = Math.floor(random() * (words.length - 6));
      return `What does the book say about ${words
        .slice(start, start + 6)
        .join(" ")
        .replace(/[^\p{L}\p{N}' -]/gu, "")}?`;
    });

    const runLoad = async (durationMs: number, record: boolean) => {
      const latencies: number[] = [];
      const finishedAt: number[] = [];
      const timings: Timings[] = [];
      const errors = new Map<string, number>();
      let next = 0;
      const deadline = performance.now() + durationMs;
      const client = async (c: number) => {
        const key = apiKeys[c % apiKeys.length];
        const api = `${origins[c % origins.length]}/api/v1`;
        while (performance.now() < deadline) {
          const question = questions[next++ % questions.length];
          const started = performance.now();
          try {
            const res = await fetch(`${api}/chat/completions`, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
              body: JSON.stringify({ model: "upstream-1", messages: [{ role: "user", content: question }], max_tokens: 200 }),
            });
            const body = (await res.json()) as { upstream?: { charged: boolean; timings: Timings }; error?: { code: string } };
            if (!res.ok || !body.upstream?.charged) {
              // A question nothing in the datanets matched is answered free: not a paid inference.
              const code = body.error?.code ?? (res.ok ? "NOT_CHARGED" : `HTTP_${res.status}`);
              errors.set(code, (errors.get(code) ?? 0) + 1);
              continue;
            }
            if (record) {
              latencies.push(performance.now() - started);
              finishedAt.push(performance.now());
              timings.push(body.upstream.timings);
            }
          } catch (error) {
            const code = (error as Error).name;
            errors.set(code, (errors.get(code) ?? 0) + 1);
          }
        }
      };
      const began = performance.now();
      await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
      // Paid inferences per tenth of the run (answers still in flight at the end left out), to show whether the rate is sustained.
      const perTenth = Array.from({ length: 10 }, () => 0);
      for (const t of finishedAt) if (t - began < durationMs) perTenth[Math.floor(((t - began) / durationMs) * 10)]++;
      return { latencies, timings, errors, elapsedMs: performance.now() - began, perTenth };
    };

    // Next.js loads and compiles a route's bundle on its first requests: it needs longer to warm.
    const warmupMs = options.next ? 10_000 : 3_000;
    log(`warming up (index build, JIT) for ${warmupMs / 1000} s…`);
    await runLoad(warmupMs, false);
    log(`running ${clients} concurrent clients for ${seconds} s…`);
    // CPU time of the gateway processes over the run: what a paid inference costs, whatever the machine's load.
    const cpu = async () => {
      if (web) return processGroupCpuMs(web.pid);
      const readings = await Promise.all(
        servers.map((server) => {
          const reply = server.next("cpu");
          server.send({ type: "cpu" });
          return reply;
        }),
      );
      return readings.reduce((sum, r) => sum + r.ms, 0);
    };
    const cpuBefore = await cpu();
    const load = await runLoad(seconds * 1000, true);
    const serverCpuMs = (await cpu()) - cpuBefore;
    const loadAverage = (await import("node:os")).loadavg()[0];

    log("draining the settler…");
    let drainer = servers[0];
    if (web) {
      // `next start` stops (its settler with it); a settler of our own finishes the outbox.
      await web.stop();
      web = undefined;
      drainer = start(["--settle-only"]);
      servers.push(drainer);
      await drainer.next("ready");
    }
    const reply = drainer.next("drained");
    drainer.send({ type: "drain" });
    const drained = await reply;

    // From the chain: every committed inference settled exactly once.
    // In block ranges: a minute of settlements is more events than one RPC answer may carry.
    const onChain = new Map<string, number>();
    const transactions = new Set<string>();
    const head = await fixture.client.getBlockNumber();
    for (let from = 0n; from <= head; from += 20n) {
      const events = await fixture.client.getContractEvents({
        address: fixture.deployment.market,
        abi: upstreamMarketAbi,
        eventName: "InferenceSettled",
        fromBlock: from,
        toBlock: from + 19n < head ? from + 19n : head,
      });
      for (const e of events) {
        const id = (e.args as { inferenceId: bigint }).inferenceId.toString();
        onChain.set(id, (onChain.get(id) ?? 0) + 1);
        transactions.add(e.transactionHash);
      }
    }
    const committedSeqs = new Set(drained.seqs);
    return {
      ...load,
      serverCpuMs,
      loadAverage,
      drained,
      settledOnce: drained.seqs.filter((seq) => onChain.get(seq) === 1).length,
      settledTwice: [...onChain.values()].filter((n) => n > 1).length,
      unknownOnChain: [...onChain.keys()].filter((id) => !committedSeqs.has(id)).length,
      settlementTransactions: transactions.size,
    };
  } finally {
    await stopWeb?.();
    for (const server of servers) if (server.process.connected) server.send({ type: "stop" });
    await Promise.all(
      servers.map(({ process: server }) =>
        server.exitCode !== null
          ? undefined
          : new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                server.kill();
                resolve();
              }, 10_000);
              server.once("exit", () => {
                clearTimeout(timer);
                resolve();
              });
            }),
      ),
    );
    await fixture.stop();
    rmSync(dir, { recursive: true, force: true });
    if (databaseUrl) await adminQuery(adminUrl!, `drop database if exists ${benchDb} with (force)`);
  }
}

async function postJson(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const data = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(data)}`);
  return data;
}

/** CPU time (user + system) of every process in a process group, from /proc, in ms. */
function processGroupCpuMs(pgid: number): number {
  const ticksPerSecond = 100; // USER_HZ on Linux
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks / ticksPerSecond) * 1000;
}
