/**
 * The one-command local marketplace as a library: `startStack` checks the configuration and
 * ports, starts a persistent anvil, deploys when needed, migrates and seeds the database,
 * starts the indexer, builds and starts the web app, asks the demo models a few paid questions
 * through the real payment path (scripts/seed-inferences), and returns how to stop it all. A failed
 * step stops everything already started. `scripts/start.ts` (`npm start`) is its command line;
 * browser tests can start the same stack on free ports and a temporary DATA_DIR.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { formatUnits } from "viem";
import { createDb, type DbHandle, dbOptions, migrate, redactUrl } from "@/db/client";
import { listDatanets } from "@/db/marketplace";
import { startIndexer } from "@/indexer/process";
import { anvilBinaryPath } from "@/lib/chain/anvil";
import type { Deployment } from "@/lib/chain/deploy";
import type { ServerConfig } from "@/lib/config";
import { PAYMENT_DEFAULTS } from "@/lib/payments";
import { withdrawalDelayBoundSeconds } from "@/lib/settlement";
import { type SeedReport, seedDemo } from "../seed";
import { seedInferences } from "../seed-inferences";
import { ensureDeployment, localRpc, startPersistentAnvil } from "./chain";
import { buildWeb, startWeb, webBuildIsCurrent } from "./next";
import { assertPortsFree } from "./ports";
import { type ProgressSink, StepRunner } from "./steps";

export { PortInUseError } from "./ports";
export { StackStoppedError, StepFailedError, StepRunner } from "./steps";

/** The repository root (where package.json and node_modules are). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Options of {@link startStack}. */
export type StackOptions = {
  /** Validated configuration (`loadConfig`): ports, DATA_DIR, DATABASE_URL, RPC_URL, CHAIN_ID… */
  config: ServerConfig;
  /** Delete the persisted state first: chain, database, indexer, deployment (`--fresh`). */
  fresh?: boolean;
  /** Seed the demo marketplace (default true). */
  seed?: boolean;
  /** Start the indexer (default true). */
  indexer?: boolean;
  /** Progress lines (default none). */
  progress?: ProgressSink;
  /** The runner to use; pass one to stop a start half-way (Ctrl-C) with its `stopAll`. */
  runner?: StepRunner;
};

/** A running local marketplace. */
export type RunningStack = {
  /** The web app, e.g. http://localhost:3000. */
  url: string;
  /** anvil's JSON-RPC URL. */
  rpcUrl: string;
  /** The chain id. */
  chainId: number;
  /** The indexer's API, when started. */
  indexerUrl?: string;
  /** The deployed contracts. */
  deployment: Deployment;
  /** Whether the chain state was resumed from DATA_DIR (false on a first or fresh start). */
  resumed: boolean;
  /** What the seed did, when it ran. */
  seed?: SeedReport;
  /** Where each service writes its output. */
  logs: Record<string, string>;
  /** Stops every process of the stack (anvil last, so it writes its state). */
  stop(): Promise<void>;
};

/** The app database holds data of an earlier chain (the chain state was lost but the database was not). */
export class StaleDatabaseError extends Error {
  readonly code = "STALE_DATABASE";
  constructor(where: string) {
    super(
      `the database (${where}) holds datanets of an earlier chain, but the contracts were just deployed anew: start over with \`npm start -- --fresh\``,
    );
    this.name = "StaleDatabaseError";
  }
}

/** What `--fresh` deletes under DATA_DIR (plus the deployment file wherever it is). */
export const FRESH_PATHS = ["anvil-state.json", "db", "ponder", "ponder.log", "logs"] as const;

/** Deletes the persisted local state; with DATABASE_URL also drops that database's drizzle and public schemas. */
export async function deleteState(config: ServerConfig): Promise<string[]> {
  const removed: string[] = [];
  for (const path of [...FRESH_PATHS.map((p) => join(config.dataDir, p)), config.deploymentFile]) {
    if (existsSync(path)) {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  if (config.databaseUrl) {
    const client = new pg.Client({ connectionString: config.databaseUrl });
    await client.connect();
    try {
      await client.query("drop schema if exists drizzle cascade; drop schema if exists public cascade; create schema public");
    } finally {
      await client.end();
    }
    removed.push(`the tables of ${redactUrl(config.databaseUrl)}`);
  }
  return removed;
}

/** Starts the whole local marketplace; on any failure stops what it started and throws StepFailedError. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const { config } = options;
  const runner = options.runner ?? new StepRunner(options.progress);
  const dataDir = resolve(config.dataDir);
  const logs: Record<string, string> = {
    anvil: join(dataDir, "logs", "anvil.log"),
    indexer: join(dataDir, "ponder.log"),
    "next build": join(dataDir, "logs", "next-build.log"),
    "web app": join(dataDir, "logs", "web.log"),
  };
  const withIndexer = options.indexer ?? true;
  try {
    const rpc = await runner.step("checking binaries and ports", async () => {
      const rpc = localRpc(config.rpcUrl);
      anvilBinaryPath();
      if (!existsSync(join(REPO_ROOT, "node_modules", ".bin", "next"))) throw new Error("next is not installed: run `npm install`");
      await assertPortsFree([
        { name: "anvil (RPC_URL)", port: rpc.port },
        ...(withIndexer ? [{ name: "the indexer (INDEXER_PORT)", port: config.indexerPort }] : []),
        { name: "the web app (PORT)", port: config.port },
      ]);
      const ports = [rpc.port, ...(withIndexer ? [config.indexerPort] : []), config.port].join(", ");
      return { value: rpc, detail: `anvil binary found, ports ${ports} free` };
    });

    if (options.fresh) {
      await runner.step("deleting earlier state (--fresh)", async () => {
        const removed = await deleteState(config);
        return { value: undefined, detail: removed.length ? `deleted ${removed.join(", ")}` : "no earlier state to delete" };
      });
    }
    mkdirSync(join(dataDir, "logs"), { recursive: true });

    const anvil = await runner.step("starting anvil", async () => {
      const stateFile = join(dataDir, "anvil-state.json");
      const service = await startPersistentAnvil({ rpc, chainId: config.chainId, stateFile, logFile: logs.anvil });
      runner.onStop("anvil", service.stop);
      return {
        value: service,
        detail: `anvil on ${rpc.url}, chain ${config.chainId} (${service.resumed ? "resumed from" : "new state in"} ${stateFile})`,
      };
    });

    const { deployment, deployed } = await runner.step("deploying the contracts", async () => {
      const ensured = await ensureDeployment({
        rpcUrl: rpc.url,
        chainId: config.chainId,
        file: config.deploymentFile,
        feeBps: config.protocolFeeBps,
        minWithdrawalDelay: BigInt(
          withdrawalDelayBoundSeconds({
            maxWaitMs: config.settleMaxWaitMs,
            holdTtlMs: PAYMENT_DEFAULTS.holdTtlMs,
            balanceCacheMs: PAYMENT_DEFAULTS.balanceCacheMs,
            confirmations: config.settleConfirmations,
            blockTimeMs: config.chainBlockTimeMs,
          }),
        ),
        settlerPrivateKey: config.settlerPrivateKey,
      });
      const verb = ensured.deployed ? "deployed" : "found";
      return { value: ensured, detail: `contracts ${verb}: registry ${ensured.deployment.registry}, market ${ensured.deployment.market}` };
    });

    const where = config.databaseUrl ? redactUrl(config.databaseUrl) : `PGlite in ${join(dataDir, "db")}`;
    const handle = await runner.step("migrating the database", async () => {
      const opened: DbHandle = await createDb(dbOptions(config));
      runner.onStop("database", async () => opened.close().catch(() => undefined));
      await migrate(opened.db);
      if (deployed && (await listDatanets(opened.db)).length > 0) throw new StaleDatabaseError(where);
      return { value: opened, detail: `database migrated (${where})` };
    });

    let seed: SeedReport | undefined;
    if (options.seed ?? true) {
      seed = await runner.step("seeding the demo marketplace", async () => {
        const report = await seedDemo({ db: handle.db, rpcUrl: rpc.url, deployment, log: (line) => options.progress?.(`      ${line}`) });
        const counts = `${report.datanets} datanets, ${report.contributions} contributions, ${report.records} records, ${report.models} models`;
        const detail =
          report.transactions > 0 ? `demo seeded: ${counts} (${report.transactions} transactions)` : `demo already seeded: ${counts}`;
        return { value: report, detail };
      });
    }
    // Embedded PGlite admits one process: the web server opens the folder next, so close it now.
    await handle.close();

    let indexerUrl: string | undefined;
    if (withIndexer) {
      indexerUrl = await runner.step("starting the indexer", async () => {
        const indexer = await startIndexer({
          rpcUrl: rpc.url,
          deploymentFile: resolve(config.deploymentFile),
          port: config.indexerPort,
          databaseUrl: config.databaseUrl,
          dataDir,
          schema: "upstream",
          // Indexed state derives from the chain alone: a new deployment makes the old one meaningless.
          fresh: options.fresh || deployed,
          logFile: logs.indexer,
        });
        runner.onStop("indexer", indexer.stop);
        return { value: indexer.url, detail: `indexer ready on ${indexer.url}` };
      });
    }

    await runner.step("building the web app", async () => {
      if (webBuildIsCurrent(REPO_ROOT)) return { value: undefined, detail: "web app build is up to date" };
      options.progress?.(`      next build (about a minute; output in ${logs["next build"]})`);
      await buildWeb(REPO_ROOT, logs["next build"], (build) => runner.onStop("next build", build.stop));
      return { value: undefined, detail: "web app built" };
    });

    const url = `http://localhost:${config.port}`;
    await runner.step("starting the web app", async () => {
      const web = await startWeb({
        root: REPO_ROOT,
        port: config.port,
        logFile: logs["web app"],
        env: {
          ...process.env,
          DATA_DIR: dataDir,
          DEPLOYMENT_FILE: resolve(config.deploymentFile),
          RPC_URL: rpc.url,
          CHAIN_ID: String(config.chainId),
          PORT: String(config.port),
          ...(indexerUrl ? { INDEXER_URL: indexerUrl } : {}),
        },
      });
      runner.onStop("web app", web.stop);
      return { value: web, detail: `web app answers on ${url}` };
    });

    if ((options.seed ?? true) && indexerUrl) {
      const demoIndexerUrl = indexerUrl;
      await runner.step("asking the demo models a few paid questions", async () => {
        const report = await seedInferences({
          url,
          indexerUrl: demoIndexerUrl,
          rpcUrl: rpc.url,
          deployment,
          log: (line) => options.progress?.(`      ${line}`),
        });
        const charged = `${formatUnits(report.charged, 6)} tUSD`;
        const what = report.asked > 0 ? `${report.asked} paid inferences asked; ` : "demo inferences already asked; ";
        const link = report.explorerUrl ? `, e.g. ${report.explorerUrl}` : "";
        return { value: report, detail: `${what}${report.settled} settled on chain, ${charged} charged${link}` };
      });
    }

    return {
      url,
      rpcUrl: rpc.url,
      chainId: config.chainId,
      indexerUrl,
      deployment,
      resumed: anvil.resumed && !deployed,
      seed,
      logs,
      stop: () => runner.stopAll(),
    };
  } catch (error) {
    await runner.stopAll();
    throw error;
  }
}
