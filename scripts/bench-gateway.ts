/**
 * `npm run bench:gateway [-- --seconds 60 --clients 50 --json]`: paid inferences through the
 * OpenAI-compatible API on the built-in engine, end to end.
 *
 * It starts its own anvil and deploys the contracts, then a server process that runs the real
 * route files of app/api/v1 (node:http, the embedded PGlite by default or PostgreSQL with
 * --database-url) with the settler beside it, seeds a model over Moby-Dick (real text, five
 * contributors), and registers permits and API keys for eight payers over the API. Then
 * `--clients` concurrent clients send chat completions for `--seconds`. With PostgreSQL,
 * `--workers N` runs N gateway processes over the one database (the gateway is stateless over
 * Postgres; the settler runs in the first), the clients spread across them. It reports throughput,
 * client latency p50/p95, the server's split of each answer's time (payment, retrieval,
 * backend, attribution), and — after the settler drains — the share of paid inferences settled
 * on chain, checking from the chain's events that each was settled exactly once.
 * `--cpu-prof DIR` writes a CPU profile of each server process.
 * With --json the last line is one JSON object (inferencesPerSec, settledShare, attributionP95Ms, …).
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getFreePort } from "@/lib/chain/anvil";
import { buildWeb, startWeb, webBuildIsCurrent } from "@/scripts/stack/next";
import type { Service } from "@/scripts/stack/service";

const PRICE = 2_000n; // 0.002 tUSD per call
const OWNER_SHARE_BPS = 2_000;
const PAYERS = [2, 3, 4, 5, 6, 7, 8, 9];
const CONTRIBUTORS = [3, 4, 5, 6, 7];
const MODEL_OWNER = 2;
const ATTRIBUTION_BUDGET_MS = 25;
const TARGET_PER_SEC = 200;

type Timings = { paymentMs: number; retrievalMs: number; backendMs: number; attributionMs: number; attributionCpuMs: number };

/** Messages between the benchmark and its server process. */
type ServerMessage =
  | { type: "ready"; origin: string }
  | { type: "cpu"; ms: number }
  | { type: "drained"; committed: number; settled: number; failed: number; pending: number; seqs: string[] }
  | { type: "error"; message: string };

const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("..", import.meta.url));

if (process.argv.includes("--serve")) {
  await serve();
} else {
  await main();
}

// ---------------------------------------------------------------- the server process

async function serve(): Promise<void> {
  const send = (message: ServerMessage) => process.send?.(message);
  try {
    // The route files read the server root (server-only): this process runs with --conditions=react-server, as Next's server does.
    const { processServer } = await import("@/lib/server/root");
    const { seedModel } = await import("@/lib/inference/testing/seed");
    const { chunkSentences, loadMobyDick } = await import("@/lib/attribution/testing/corpora");
    const { devAccounts, settlerAccount } = await import("@/lib/chain/devAccounts");
    const { walletClientFor, publicClientFor } = await import("@/lib/chain/clients");
    const { readDeployment } = await import("@/lib/chain/deploy");
    const { createSettler, outboxCounts } = await import("@/lib/settlement");
    const { vacuumIntervalFor } = await import("@/db/maintenance");
    const { serveRoutes } = await import("@/lib/inference/testing/http-adapter");
    const { config } = await import("@/lib/config");
    const { inferences } = await import("@/db/schema");

    const settings = config();
    const handle = await processServer().db();
    const { db } = handle;
    // The whole of Moby-Dick, four sentences a record, chapters dealt round the contributors.
    const chapters = loadMobyDick();
    const contributions = CONTRIBUTORS.map((index, c) => ({
      contributor: devAccounts[index].address,
      texts: chapters.filter((_, i) => i % CONTRIBUTORS.length === c).flatMap((ch) => chunkSentences(ch.text, 4)),
    }));
    // Secondary gateway processes (--workers > 1, PostgreSQL only) share the primary's data.
    // --seed-only: seed and exit (for `next start`, which then owns the database);
    // --settle-only: no API, only the settler, to drain what `next start` left in the outbox.
    const seedOnly = process.argv.includes("--seed-only");
    const settleOnly = process.argv.includes("--settle-only");
    const primary = !process.argv.includes("--secondary") && !settleOnly;
    if (primary) await seedModel(db, {
      modelId: 1n,
      datanetId: 1n,
      owner: devAccounts[MODEL_OWNER].address,
      price: PRICE,
      ownerShareBps: OWNER_SHARE_BPS,
      firstContributionId: 1n,
      contributions,
    });

    if (seedOnly) {
      await handle.close();
      send({ type: "ready", origin: "" });
      process.exit(0);
    }

    const chat = await import("@/app/api/v1/chat/completions/route");
    const models = await import("@/app/api/v1/models/route");
    const permits = await import("@/app/api/permits/route");
    const keys = await import("@/app/api/keys/route");
    const server = settleOnly
      ? { origin: "", close: async () => undefined }
      : await serveRoutes({
          "/api/v1/chat/completions": { POST: chat.POST },
          "/api/v1/models": { GET: models.GET },
          "/api/permits": { POST: permits.POST },
          "/api/keys": { POST: keys.POST },
        });

    const deployment = readDeployment(settings.deploymentFile);
    const connection = { chainId: deployment.chainId, rpcUrl: settings.rpcUrl };
    const settler = createSettler({
      db,
      walletClient: walletClientFor({ ...connection, privateKey: settlerAccount.privateKey }),
      publicClient: publicClientFor(connection),
      deployment,
      batchSize: settings.settleBatchSize,
      maxWaitMs: settings.settleMaxWaitMs,
      // As the server does (lib/server/root.ts): PGlite, or PostgreSQL with autovacuum off.
      vacuumEveryMs: await vacuumIntervalFor(db),
      onEvent: (event) => {
        if (event.type === "error") console.error(`settler: attempt ${event.attempt} failed: ${(event.error as Error).message}`);
      },
    });
    if (primary) settler.start();

    process.on("message", async (message: { type: string }) => {
      if (message.type === "cpu") {
        const { user, system } = process.cpuUsage();
        send({ type: "cpu", ms: (user + system) / 1000 });
      } else if (message.type === "drain") {
        try {
          await settler.stop();
          let counts = await outboxCounts(db);
          for (let round = 0; round < 1000 && (counts.pending > 0 || counts.submitted > 0); round++) {
            await settler.drainOnce();
            counts = await outboxCounts(db);
          }
          const rows = await db.select({ seq: inferences.settlementSeq, status: inferences.status }).from(inferences);
          send({
            type: "drained",
            committed: rows.length,
            settled: rows.filter((r) => r.status === "settled").length,
            failed: rows.filter((r) => r.status === "failed").length,
            pending: rows.filter((r) => r.status === "pending").length,
            seqs: rows.map((r) => r.seq.toString()),
          });
        } catch (error) {
          send({ type: "error", message: (error as Error).stack ?? String(error) });
        }
      } else if (message.type === "stop") {
        await server.close();
        process.exit(0);
      }
    });
    send({ type: "ready", origin: server.origin });
  } catch (error) {
    send({ type: "error", message: (error as Error).stack ?? String(error) });
    process.exit(1);
  }
}

// ---------------------------------------------------------------- the benchmark

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "60" },
      clients: { type: "string", default: "50" },
      "database-url": { type: "string" },
      workers: { type: "string", default: "1" },
      "cpu-prof": { type: "string" },
      next: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const seconds = Number(values.seconds);
  const clients = Number(values.clients);
  const workers = Number(values.workers);
  if (!(seconds > 0) || !Number.isInteger(clients) || clients < 1 || !Number.isInteger(workers) || workers < 1) {
    console.error("bench:gateway: --seconds must be positive, --clients and --workers positive integers");
    process.exit(2);
  }
  if (values.next && (workers > 1 || values["cpu-prof"])) {
    console.error("bench:gateway: --next runs one `next start`; --workers and --cpu-prof are for the route-file server");
    process.exit(2);
  }
  if (workers > 1 && !values["database-url"]) {
    console.error("bench:gateway: --workers > 1 needs --database-url (PGlite allows one process per database)");
    process.exit(2);
  }
  const log = (line: string) => console.log(line);

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
  const adminUrl = values["database-url"];
  const benchDb = `upstream_bench_${process.pid}_${Date.now().toString(36)}`;
  let databaseUrl: string | undefined;
  const servers: ChildProcess[] = [];
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
    const profile = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof"]}`] : [];
    const start = (args: string[]) =>
      fork(self, ["--serve", ...args], { env, execArgv: ["--conditions=react-server", "--import", "tsx", ...profile], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const origins: string[] = [];
    const queues: ReturnType<typeof messageQueue>[] = [];
    let web: Service | undefined;
    if (values.next) {
      // The production server: seed, then `next start` owns the database (and runs the settler,
      // started by instrumentation.ts); its whole process group is what is measured.
      if (!webBuildIsCurrent(root)) {
        log("building the web app (next build)…");
        await buildWeb(root, join(dir, "next-build.log"));
      }
      log("seeding a model over Moby-Dick…");
      const seeder = start(["--seed-only"]);
      await messageQueue(seeder).next("ready");
      await new Promise((resolve) => (seeder.exitCode !== null ? resolve(null) : seeder.once("exit", resolve)));
      log("starting `next start` (the API and the settler)…");
      const port = await getFreePort();
      web = await startWeb({ root, port, env: { ...env, NODE_ENV: "production" }, logFile: join(dir, "next-start.log") });
      stopWeb = web.stop;
      origins.push(`http://127.0.0.1:${port}`);
    } else {
      log("starting the API server and the settler, seeding a model over Moby-Dick…");
      const server = start([]);
      servers.push(server);
      queues.push(messageQueue(server));
      origins.push((await queues[0].next("ready")).origin);
      for (let w = 1; w < workers; w++) {
        const secondary = start(["--secondary"]);
        servers.push(secondary);
        queues.push(messageQueue(secondary));
        origins.push((await queues[w].next("ready")).origin);
      }
    }
    const ready = { origin: origins[0] };

    log("registering permits and API keys over the API…");
    const apiKeys: string[] = [];
    const expiry = (await fixture.now()) + 86_400n;
    for (const [n, index] of PAYERS.entries()) {
      const permit = await fixture.signPermit(index, { cap: 10n ** 12n, expiry, nonce: BigInt(n + 1) });
      const registered = await postJson(`${ready.origin}/api/permits`, { ...permit, cap: permit.cap.toString(), expiry: permit.expiry.toString(), nonce: permit.nonce.toString() });
      const permitId = (registered as { permit: { id: string } }).permit.id;
      const payer = devAccounts[index].address;
      const spendCap = 10n ** 12n;
      const message = apiKeyCreationMessage({ payer, permitId, spendCap, label: "bench", issuedAt: new Date().toISOString() });
      const signature = await fixture.wallet(index).signMessage({ message });
      const created = await postJson(`${ready.origin}/api/keys`, { payer, permitId, spendCap: spendCap.toString(), label: "bench", message, signature });
      apiKeys.push((created as { key: string }).key);
    }

    // Questions from the book itself: a few words of a random sentence, as a reader would ask.
    // Seeded, so every run asks the same questions.
    const random = seededRandom(7).next;
    const sentences = loadMobyDick().flatMap((ch) => chunkSentences(ch.text, 1)).filter((s) => s.split(/\s+/).length >= 10);
    const questions = Array.from({ length: 2_000 }, () => {
      const words = sentences[Math.floor(random() * sentences.length)].split(/\s+/);
      const start = Math.floor(random() * (words.length - 6));
      return `What does the book say about ${words.slice(start, start + 6).join(" ").replace(/[^\p{L}\p{N}' -]/gu, "")}?`;
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
            const body = (await res.json()) as { upstream?: { timings: Timings }; error?: { code: string } };
            if (!res.ok || !body.upstream) {
              const code = body.error?.code ?? `HTTP_${res.status}`;
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
      const windows = Array.from({ length: 10 }, () => 0);
      for (const t of finishedAt) if (t - began < durationMs) windows[Math.floor(((t - began) / durationMs) * 10)]++;
      return { latencies, timings, errors, elapsedMs: performance.now() - began, perWindow: windows.map((n) => round(n / (durationMs / 10_000))) };
    };

    // Next.js loads and compiles a route's bundle on its first requests: it needs longer to warm.
    const warmupMs = values.next ? 10_000 : 3_000;
    log(`warming up (index build, JIT) for ${warmupMs / 1000} s…`);
    await runLoad(warmupMs, false);
    log(`running ${clients} concurrent clients for ${seconds} s…`);
    // CPU time of the gateway processes over the run: what a paid inference costs, whatever the machine's load.
    const cpu = async () => {
      if (web) return processGroupCpuMs(web.pid);
      const readings = await Promise.all(
        servers.map((server, i) => {
          const reply = queues[i].next("cpu");
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
      queues.push(messageQueue(drainer));
      await queues.at(-1)!.next("ready");
    }
    const reply = queues[servers.indexOf(drainer)].next("drained");
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
    const settledOnce = drained.seqs.filter((seq) => onChain.get(seq) === 1).length;
    const settledTwice = [...onChain.values()].filter((n) => n > 1).length;
    const committedSeqs = new Set(drained.seqs);
    const unknownOnChain = [...onChain.keys()].filter((id) => !committedSeqs.has(id)).length;

    const paid = load.latencies.length;
    const perSec = paid / (load.elapsedMs / 1000);
    const pick = (f: (t: Timings) => number) => load.timings.map(f);
    const figures = {
      seconds,
      clients,
      database: values["database-url"] ? "postgres" : "pglite",
      server: values.next ? "next start" : "route files on node:http",
      workers,
      paidInferences: paid,
      inferencesPerSec: round(perSec),
      errors: Object.fromEntries(load.errors),
      inferencesPerSecByTenth: load.perWindow,
      serverCpuMsPerInference: round(serverCpuMs / Math.max(1, paid)),
      inferencesPerCpuSecond: round((paid / serverCpuMs) * 1000),
      loadAverage: round(loadAverage),
      latencyP50Ms: round(percentile(load.latencies, 50)),
      latencyP95Ms: round(percentile(load.latencies, 95)),
      backendP50Ms: round(percentile(pick((t) => t.backendMs), 50)),
      backendP95Ms: round(percentile(pick((t) => t.backendMs), 95)),
      retrievalP95Ms: round(percentile(pick((t) => t.retrievalMs), 95)),
      attributionP50Ms: round(percentile(pick((t) => t.attributionMs), 50)),
      attributionP95Ms: round(percentile(pick((t) => t.attributionMs), 95)),
      attributionCpuP50Ms: round(percentile(pick((t) => t.attributionCpuMs), 50)),
      attributionCpuP95Ms: round(percentile(pick((t) => t.attributionCpuMs), 95)),
      paymentP50Ms: round(percentile(pick((t) => t.paymentMs), 50)),
      paymentP95Ms: round(percentile(pick((t) => t.paymentMs), 95)),
      committedInferences: drained.committed,
      settledOnChainOnce: settledOnce,
      settledShare: drained.committed === 0 ? 0 : round(settledOnce / drained.committed, 4),
      settledTwice,
      unknownOnChain,
      failedSettlements: drained.failed,
      settlementTransactions: transactions.size,
      targetInferencesPerSec: TARGET_PER_SEC,
      attributionBudgetP95Ms: ATTRIBUTION_BUDGET_MS,
      meetsThroughputTarget: perSec >= TARGET_PER_SEC,
      meetsAttributionBudget: percentile(pick((t) => t.attributionMs), 95) <= ATTRIBUTION_BUDGET_MS,
      exactlyOnce: settledOnce === drained.committed && settledTwice === 0 && unknownOnChain === 0,
    };

    log("");
    log(`paid inferences      ${paid} in ${round(load.elapsedMs / 1000)} s = ${figures.inferencesPerSec}/s (target ${TARGET_PER_SEC}/s) on ${figures.database}, ${values.next ? "`next start`" : `${workers} gateway process(es) serving the route files`}`);
    log(`per tenth of the run ${load.perWindow.join(" ")} /s`);
    log(`gateway CPU          ${figures.serverCpuMsPerInference} ms per paid inference = ${figures.inferencesPerCpuSecond} per CPU-second (machine load average ${figures.loadAverage} on ${(await import("node:os")).cpus().length} cores)`);
    log(`errors               ${JSON.stringify(figures.errors)}`);
    log(`client latency       p50 ${figures.latencyP50Ms} ms   p95 ${figures.latencyP95Ms} ms`);
    log(`  backend            p50 ${figures.backendP50Ms} ms   p95 ${figures.backendP95Ms} ms (retrieval p95 ${figures.retrievalP95Ms} ms)`);
    log(`  attribution        p50 ${figures.attributionP50Ms} ms   p95 ${figures.attributionP95Ms} ms (budget ${ATTRIBUTION_BUDGET_MS} ms p95); CPU p50 ${figures.attributionCpuP50Ms} ms   p95 ${figures.attributionCpuP95Ms} ms`);
    log(`  payment            p50 ${figures.paymentP50Ms} ms   p95 ${figures.paymentP95Ms} ms (authorize + commit)`);
    log(`settled on chain     ${settledOnce} of ${drained.committed} exactly once (${round(figures.settledShare * 100, 2)}%) in ${transactions.size} transactions; twice: ${settledTwice}; failed: ${drained.failed}`);
    if (values.json) console.log(JSON.stringify(figures));
  } finally {
    await stopWeb?.();
    for (const server of servers) if (server.connected) server.send({ type: "stop" });
    await Promise.all(
      servers.map((server) =>
        server.exitCode !== null
          ? undefined
          : new Promise<void>((resolve) => {
              const timer = setTimeout(() => (server.kill(), resolve()), 10_000);
              server.once("exit", () => (clearTimeout(timer), resolve()));
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

function messageQueue(child: ChildProcess) {
  const waiting: { type: string; resolve: (m: never) => void; reject: (e: Error) => void }[] = [];
  child.on("message", (message: ServerMessage) => {
    if (message.type === "error") {
      for (const w of waiting.splice(0)) w.reject(new Error(`server: ${message.message}`));
      return;
    }
    const i = waiting.findIndex((w) => w.type === message.type);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(message as never);
  });
  child.on("exit", (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`the server process exited with ${code}`));
  });
  return {
    next<T extends ServerMessage["type"]>(type: T): Promise<Extract<ServerMessage, { type: T }>> {
      return new Promise((resolve, reject) => waiting.push({ type, resolve: resolve as never, reject }));
    },
  };
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

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
