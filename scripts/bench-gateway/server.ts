/**
 * The server process of `npm run bench:gateway`: the real route files of app/api/v1 on node:http
 * with the settler beside it, over the embedded PGlite or PostgreSQL (DATABASE_URL). The primary
 * seeds a model over Moby-Dick (real text, five contributors) first. It answers the driver over IPC
 * (`ServerMessage`); `startServer` forks it and is the driver's handle on it.
 * Modes: `--secondary` (another gateway over the primary's PostgreSQL data), `--seed-only` (seed and
 * exit, for `next start`), `--settle-only` (no API, only the settler, to drain the outbox).
 */
import { type ChildProcess, fork } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PRICE = 2_000n; // 0.002 tUSD per call
const OWNER_SHARE_BPS = 2_000;
const CONTRIBUTORS = [3, 4, 5, 6, 7];
const MODEL_OWNER = 2;

/** Messages from the server process to the driver. */
export type ServerMessage =
  | { type: "ready"; origin: string }
  | { type: "cpu"; ms: number }
  | { type: "drained"; committed: number; settled: number; failed: number; pending: number; seqs: string[] }
  | { type: "error"; message: string };

/** Requests from the driver: its CPU time so far, drain the settler, or stop. */
export type DriverMessage = { type: "cpu" } | { type: "drain" } | { type: "stop" };

/** A running server process and the next message of a given type from it. */
export type ServerHandle = {
  /** The child process. */
  process: ChildProcess;
  /** Resolves with the next message of `type`; rejects if the server reports an error or exits. */
  next<T extends ServerMessage["type"]>(type: T): Promise<Extract<ServerMessage, { type: T }>>;
  /** Sends a request to the server. */
  send(message: DriverMessage): void;
};

const self = fileURLToPath(import.meta.url);

/** Forks a server process in the given mode (`args`), with `env` and extra Node flags (e.g. --cpu-prof). */
export function startServer(args: string[], env: NodeJS.ProcessEnv, nodeFlags: string[] = []): ServerHandle {
  const child = fork(self, args, {
    env,
    execArgv: ["--conditions=react-server", "--import", "tsx", ...nodeFlags],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return { process: child, next: messageQueue(child).next, send: (message) => child.send(message) };
}

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
    if (primary)
      await seedModel(db, {
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

    process.on("message", async (message: DriverMessage) => {
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

if (process.argv[1] && resolve(process.argv[1]) === self) await serve();
