/**
 * The server's composition root: everything the routes, pages and instrumentation use is built
 * here, once, from the validated configuration and the deployment file, and handed down as
 * parameters. Nothing deeper reads the configuration or the deployment file by itself.
 *
 * The database is opened (and migrated) once and outlives redeploys. What depends on the
 * deployment — the chain client, payments, the gateway, the settler, the model sync and the
 * publication context — is rebuilt when the deployment file changes (`npm start -- --fresh`
 * rewrites it under a running server): every access compares the file's mtime, ctime and size
 * with the last read, and a running settler or model sync also checks on a timer, so they stop
 * for the old contracts and start for the new ones without a request.
 */
import "server-only";
import { statSync } from "node:fs";
import { privateKeyToAccount } from "viem/accounts";
import { createDb, type Db, type DbHandle, dbOptions, migrate } from "@/db/client";
import { vacuumIntervalFor } from "@/db/maintenance";
import { publicClientFor, walletClientFor } from "@/lib/chain/clients";
import { type Deployment, DeploymentFileError, readDeployment } from "@/lib/chain/deploy";
import { config as processConfig, requireSettlerKey, type ServerConfig } from "@/lib/config";
import { createVerifyIndexCache, type VerifySource } from "@/lib/explorer";
import { createIndexerClient, type IndexerClient } from "@/lib/indexer/client";
import { createGateway, type Gateway } from "@/lib/inference/gateway";
import type { MarketplaceSource } from "@/lib/marketplace/source";
import { createModelSync, type ModelSync } from "@/lib/models/sync";
import { createPayments, type Payments } from "@/lib/payments";
import type { ChainReader } from "@/lib/publication/chain";
import type { MarketplaceContext } from "@/lib/publication/context";
import { createDraftStores } from "@/lib/publication/drafts";
import { ChainUnavailableError } from "@/lib/publication/errors";
import { createRateLimits, type RateLimits } from "@/lib/rate-limits";
import { createSettler, type Settler, settlementWindowSeconds } from "@/lib/settlement";
import { getPublicConfig, type PublicConfig } from "@/lib/web/public-config";
import { ServerClosedError, SettlerKeyMismatchError } from "./errors";

export { ServerClosedError, SettlerKeyMismatchError } from "./errors";

/** Where the settler and the model sync report. */
export type ServerLog = Pick<Console, "error" | "info">;

/** Dependencies and settings of {@link createServer}; a test passes its own parts. */
export type CreateServerParameters = {
  /** The validated configuration (`lib/config.ts`). */
  config: ServerConfig;
  /**
   * An open, migrated database (or how to get one, on first use) that the caller owns and closes;
   * default: opened from the configuration and migrated on first use, closed by `close()`.
   */
  db?: DbHandle | (() => Promise<DbHandle>);
  /** The indexer's client, or null for none; default: one for `config.indexerUrl` (3 s per request). */
  indexer?: IndexerClient | null;
  /** Where the settler, the model sync and redeploys are reported (default the console). */
  log?: ServerLog;
  /** How often a running settler or model sync checks the deployment file, in ms (default 2,000). */
  watchIntervalMs?: number;
};

/** What the inference routes use. */
export type InferenceService = {
  /** The app's database. */
  db: Db;
  /** Permits, API keys and holds over the deployed market. */
  payments: Payments;
  /** The gateway (its model indexes are built once per deployment). */
  gateway: Gateway;
};

/** Options of {@link Server.startModelSync}. */
export type StartModelSyncOptions = {
  /** Pause between two reads of the chain, in ms (default 1,000). */
  intervalMs?: number;
};

/** The server's object graph; see {@link createServer}. */
export type Server = {
  /** The configuration it was built from. */
  readonly config: ServerConfig;
  /** The database, opened and migrated once. */
  db(): Promise<DbHandle>;
  /** The deployment the file holds now, or null when there is none; throws DeploymentFileError for a malformed file. */
  deployment(): Deployment | null;
  /** The deployment the file holds now; throws DeploymentFileError when there is none or it is malformed. */
  requireDeployment(): Deployment;
  /** What the browser is told: the configuration's public part and the deployed contracts. */
  publicConfig(): PublicConfig;
  /** The payments service over the deployed market; throws DeploymentFileError without a deployment. */
  payments(): Promise<Payments>;
  /** The gateway over the deployed market; throws DeploymentFileError without a deployment. */
  gateway(): Promise<Gateway>;
  /** The database, payments and gateway of the current deployment. */
  inference(): Promise<InferenceService>;
  /** The process's request rate limits (lib/rate-limits.ts). */
  limits(): RateLimits;
  /** What publication and contribution routes work against; throws ChainUnavailableError without a deployment. */
  marketplace(): Promise<MarketplaceContext>;
  /** What the pages' readers (lib/marketplace, lib/explorer) read from: the database, the indexer, Verify's rebuilt indexes. */
  source(): Promise<MarketplaceSource & VerifySource>;
  /**
   * Starts the settler (once per deployment; again after a redeploy). The configured settler key
   * must be the deployment's settler (SettlerKeyMismatchError). Settling errors are logged and
   * retried with backoff by the settler itself.
   */
  startSettler(): Promise<Settler>;
  /** Starts the follower of the registry's model updates (once per deployment; again after a redeploy). */
  startModelSync(options?: StartModelSyncOptions): Promise<ModelSync>;
  /** Stops the model sync, if it runs, and does not restart it after a redeploy. */
  stopModelSync(): Promise<void>;
  /** Stops the settler and the model sync and closes a database it opened. */
  close(): Promise<void>;
};

/** The parts built for one deployment. */
type Deployed = {
  deployment: Deployment;
  client: ChainReader;
  payments: Payments;
  gateway: Gateway;
  settler?: Promise<Settler>;
  modelSync?: Promise<ModelSync>;
  /** Which deployment read built it: a newer one replaces it, and nothing more may start on it. */
  generation: number;
  /** Done when every deployment before this one has stopped its settler and model sync. */
  predecessorsStopped: Promise<void>;
  /** Set once its settler and model sync are being stopped. */
  retired: boolean;
};

// A page waits this long at most for the indexer before showing what the database alone knows.
const INDEXER_TIMEOUT_MS = 3_000;

/** Retries `make` on the next call after a failure; one shared result after a success. */
function lazy<T>(make: () => Promise<T>): { get(): Promise<T>; peek(): Promise<T> | undefined } {
  let value: Promise<T> | undefined;
  return {
    get() {
      value ??= make().catch((error) => {
        value = undefined;
        throw error;
      });
      return value;
    },
    peek: () => value,
  };
}

/** The file's identity for change detection: mtime, ctime and size (undefined when absent). */
function stampOf(file: string): string | undefined {
  try {
    const stat = statSync(file);
    return `${stat.mtimeMs}:${stat.ctimeMs}:${stat.size}`;
  } catch {
    return undefined;
  }
}

const sameDeployment = (a: Deployment, b: Deployment) => JSON.stringify(a) === JSON.stringify(b);

/** The configured database, migrated. */
async function openDb(settings: ServerConfig): Promise<DbHandle> {
  const handle = await createDb(dbOptions(settings));
  await migrate(handle.db);
  return handle;
}

/** Builds the server's object graph from the configuration; nothing opens or starts until it is used. */
export function createServer(parameters: CreateServerParameters): Server {
  const settings = parameters.config;
  const log = parameters.log ?? console;
  const file = settings.deploymentFile;

  const given = parameters.db;
  const database = lazy(async () => (typeof given === "function" ? given() : (given ?? openDb(settings))));
  const indexer =
    parameters.indexer !== undefined
      ? parameters.indexer
      : createIndexerClient({ url: settings.indexerUrl, timeoutMs: INDEXER_TIMEOUT_MS });
  // Kept for the server's life, across redeploys: drafts are keyed by content, indexes by records.
  const drafts = createDraftStores();
  const verifyIndexes = createVerifyIndexCache();

  // The deployment last read, the file's stamp then, and the parts built for it (lazily).
  let read: { stamp: string; deployment: Deployment } | undefined;
  let parts: ReturnType<typeof lazy<Deployed>> | undefined;
  // Parts replaced by a redeploy, stopping: a new settler waits for the old one (same key, nonces).
  let retiring: Promise<void> = Promise.resolve();
  // Counts the deployments read; parts of an older one are replaced.
  let generation = 0;
  // What was started, to start again for a new deployment.
  const wanted: { settler: boolean; modelSync?: StartModelSyncOptions } = { settler: false };
  // A start failed for want of a deployment file: start when one appears.
  let awaitingDeployment = false;
  let watch: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  function deployment(): Deployment | null {
    const stamp = stampOf(file);
    if (stamp === undefined) return null;
    if (read?.stamp === stamp) return read.deployment;
    const next = readDeployment(file);
    const previous = read?.deployment;
    read = { stamp, deployment: next };
    if (!previous || !sameDeployment(previous, next)) redeployed(next, previous);
    return next;
  }

  function redeployed(next: Deployment, previous: Deployment | undefined): void {
    const old = parts?.peek();
    if (old) retiring = retiring.then(() => old.then(retire, () => undefined));
    // The new parts wait only for those before them: never for their own retirement.
    const predecessorsStopped = retiring;
    const built = ++generation;
    parts = lazy(() => build(next, built, predecessorsStopped));
    if (!previous && !awaitingDeployment) return;
    awaitingDeployment = false;
    log.info(
      `deployment ${previous ? "changed" : "found"} (market ${next.market} on chain ${next.chainId}): building payments, the gateway, the settler and the model sync`,
    );
    if (wanted.settler) startSettler().catch((error) => log.error(`settler not started: ${(error as Error).message}`));
    if (wanted.modelSync)
      startModelSync(wanted.modelSync).catch((error) => log.error(`model sync not started: ${(error as Error).message}`));
  }

  /** A newer deployment replaced these parts, or they are being stopped. */
  const replaced = (parts: Deployed) => parts.retired || parts.generation !== generation;

  async function retire(old: Deployed): Promise<void> {
    old.retired = true;
    const [settler, sync] = await Promise.all([old.settler?.catch(() => undefined), old.modelSync?.catch(() => undefined)]);
    await Promise.all([settler?.stop(), sync?.stop()]);
  }

  async function build(deployment: Deployment, built: number, predecessorsStopped: Promise<void>): Promise<Deployed> {
    const { db, driver } = await database.get();
    const client = publicClientFor({ chainId: deployment.chainId, rpcUrl: settings.rpcUrl });
    // PGlite has one connection: transactions queue anyway, so one batch takes everyone's.
    const batchBy = driver === "pglite" ? "all" : "payer";
    const payments = createPayments({
      db,
      publicClient: client,
      deployment,
      settlerAddress: deployment.settler,
      batchBy,
      // A hold's permit must outlive the hold and the wait of the settler this configuration runs.
      settlementWindowSeconds: settlementWindowSeconds(settings.settleMaxWaitMs),
    });
    // The split uses the fee commit checks against (one cached read); a change's grace covers the rest.
    // A model whose card declares it pays what its data does not explain to the deployment's treasury.
    const gateway = createGateway({
      db,
      payments,
      config: settings,
      protocolFeeBps: payments.protocolFeeBps,
      treasury: deployment.treasury,
    });
    return { deployment, client, payments, gateway, generation: built, predecessorsStopped, retired: false };
  }

  function requireDeployment(): Deployment {
    return deployment() ?? readDeployment(file); // no file: throws its error ("deploy first")
  }

  /** The parts of the current deployment; throws DeploymentFileError without one. */
  function deployed(): Promise<Deployed> {
    try {
      requireDeployment();
    } catch (error) {
      return Promise.reject(error);
    }
    return parts!.get();
  }

  /** Parts not yet replaced by a redeploy (a redeploy while waiting moves on to the new ones), for a start. */
  async function live(): Promise<Deployed> {
    startWatching();
    for (;;) {
      if (closed) throw new ServerClosedError();
      let current: Deployed;
      try {
        current = await deployed();
      } catch (error) {
        if (error instanceof DeploymentFileError) awaitingDeployment = true;
        throw error;
      }
      if (!replaced(current)) return current;
    }
  }

  function startWatching(): void {
    if (watch || closed) return;
    watch = setInterval(() => {
      try {
        deployment();
      } catch (error) {
        // A file caught half-written, or broken: read again on the next tick.
        if (!(error instanceof DeploymentFileError)) log.error(`deployment check failed: ${(error as Error).message}`);
      }
    }, parameters.watchIntervalMs ?? 2_000);
    watch.unref?.();
  }

  async function startSettler(): Promise<Settler> {
    wanted.settler = true;
    const current = await live();
    current.settler ??= (async () => {
      const account = privateKeyToAccount(requireSettlerKey(settings));
      const { deployment } = current;
      if (account.address !== deployment.settler) throw new SettlerKeyMismatchError(account.address, deployment.settler);
      await current.predecessorsStopped;
      const { db } = await database.get();
      const connection = { chainId: deployment.chainId, rpcUrl: settings.rpcUrl };
      const settler = createSettler({
        db,
        walletClient: walletClientFor({ ...connection, account }),
        publicClient: current.client,
        deployment,
        batchSize: settings.settleBatchSize,
        maxWaitMs: settings.settleMaxWaitMs,
        settlementWindowSeconds: settlementWindowSeconds(settings.settleMaxWaitMs),
        confirmations: settings.settleConfirmations,
        replaceAfterMs: settings.settleReplaceAfterMs,
        recheckBlocks: settings.settleRecheckBlocks,
        logRangeBlocks: settings.settleLogRangeBlocks,
        // PGlite (and a PostgreSQL with autovacuum off) never vacuums by itself: the settler does.
        vacuumEveryMs: await vacuumIntervalFor(db),
        onEvent(event) {
          if (event.type === "error") {
            const message = (event.error as Error)?.message ?? event.error;
            log.error(
              event.attempt === 0
                ? `settler: ${message}`
                : `settler: attempt ${event.attempt} failed, retrying in ${event.retryInMs} ms: ${message}`,
            );
          } else if (event.type === "quarantined") {
            log.error(`settler: quarantined inference${event.seqs.length === 1 ? "" : "s"} ${event.seqs.join(", ")}: ${event.reason}`);
          } else if (event.type === "reorged") {
            log.info(`settler: blocks ${event.blocks.join(", ")} left the chain; ${event.reopened} inferences will settle again`);
          } else if (event.type === "replaced") {
            log.info(`settler: replaced stuck transaction ${event.from} with ${event.to} (nonce ${event.nonce})`);
          } else if (event.type === "renumbered") {
            log.info(`settler: ${event.ids.length} inference ids were taken on chain and were renumbered`);
          }
        },
      });
      if (replaced(current)) return settler; // replaced while starting: never run against the old contracts
      settler.start();
      log.info(
        `settler: settling as ${account.address} (batches of ${settings.settleBatchSize}, at most ${settings.settleMaxWaitMs} ms wait)`,
      );
      return settler;
    })().catch((error) => {
      current.settler = undefined;
      throw error;
    });
    return current.settler;
  }

  async function startModelSync(options: StartModelSyncOptions = {}): Promise<ModelSync> {
    wanted.modelSync = options;
    const current = await live();
    current.modelSync ??= (async () => {
      await current.predecessorsStopped;
      const { db } = await database.get();
      // A chain that stays down would repeat one failure every second: say it when it changes.
      let lastError: string | undefined;
      const sync = createModelSync({
        db,
        client: current.client,
        registry: current.deployment.registry,
        startBlock: BigInt(current.deployment.startBlock),
        intervalMs: options.intervalMs,
        onEvent(event) {
          if (event.type === "error") {
            const message = (event.error as Error)?.message ?? String(event.error);
            if (message !== lastError) log.error(`model sync: ${message} (retrying)`);
            lastError = message;
            return;
          }
          lastError = undefined;
          const { changed, restarted } = event.result;
          if (restarted) log.info("model sync: the chain no longer holds the last block read; models re-read from the registry");
          if (changed.length > 0) log.info(`model sync: updated model${changed.length === 1 ? "" : "s"} ${changed.join(", ")}`);
        },
      });
      if (!replaced(current)) sync.start();
      return sync;
    })().catch((error) => {
      current.modelSync = undefined;
      throw error;
    });
    return current.modelSync;
  }

  async function stopModelSync(): Promise<void> {
    wanted.modelSync = undefined;
    const current = await parts?.peek()?.catch(() => undefined);
    const running = current?.modelSync;
    if (current) current.modelSync = undefined;
    await (await running?.catch(() => undefined))?.stop();
  }

  let limits: RateLimits | undefined;
  return {
    config: settings,
    db: () => database.get(),
    deployment,
    requireDeployment,
    publicConfig: () => getPublicConfig(settings, deployment()),
    payments: async () => (await deployed()).payments,
    gateway: async () => (await deployed()).gateway,
    limits: () => (limits ??= createRateLimits(settings.rateLimits)),
    async inference() {
      const [{ db }, { payments, gateway }] = await Promise.all([database.get(), deployed()]);
      return { db, payments, gateway };
    },
    async marketplace() {
      let current: Deployed;
      try {
        current = await deployed();
      } catch (error) {
        if (error instanceof DeploymentFileError) throw new ChainUnavailableError(`No Upstream deployment: ${error.message}`);
        throw error;
      }
      const { db } = await database.get();
      return {
        db,
        client: current.client,
        registry: current.deployment.registry,
        token: current.deployment.token,
        backendKeyUrls: settings.backendKeyUrls,
        drafts,
      };
    },
    source: async () => ({ db: (await database.get()).db, indexer, verifyIndexes }),
    startSettler,
    startModelSync,
    stopModelSync,
    async close() {
      closed = true;
      if (watch) clearInterval(watch);
      wanted.settler = false;
      wanted.modelSync = undefined;
      const current = parts?.peek();
      await retiring;
      if (current) await current.then(retire, () => undefined);
      const opened = database.peek();
      if (opened && !given) await (await opened.catch(() => undefined))?.close();
    },
  };
}

const shared = globalThis as typeof globalThis & { __upstreamDb?: Promise<DbHandle> };
let current: Server | undefined;

/**
 * The process's server, built from the process's configuration on first use. Next.js compiles
 * instrumentation and the routes into separate module graphs, and a route recognises its errors
 * by class: so each graph gets its own server from its own classes (instrumentation's runs the
 * settler and the model sync), and only the database is shared, on globalThis, where Next.js
 * module reloads in development find it too (PGlite allows one process per folder).
 */
export function processServer(): Server {
  if (!current) {
    let settings: ServerConfig;
    try {
      settings = processConfig();
    } catch (error) {
      return unavailable(error);
    }
    current = createServer({ config: settings, db: () => processDb(settings) });
  }
  return current;
}

/** The process's one database, opened and migrated on first use. */
function processDb(settings: ServerConfig): Promise<DbHandle> {
  shared.__upstreamDb ??= openDb(settings).catch((error) => {
    shared.__upstreamDb = undefined;
    throw error;
  });
  return shared.__upstreamDb;
}

/** Closes this graph's server and the process's database, and forgets both (tests and shutdown). */
export async function closeProcessServer(): Promise<void> {
  const server = current;
  current = undefined;
  await server?.close();
  const db = shared.__upstreamDb;
  shared.__upstreamDb = undefined;
  await (await db?.catch(() => undefined))?.close();
}

/** A server whose every use fails with `error` (an invalid configuration), so routes answer it as any other error. */
function unavailable(error: unknown): Server {
  const fail = (): never => {
    throw error;
  };
  const reject = () => Promise.reject(error);
  return {
    get config() {
      return fail();
    },
    db: reject,
    deployment: fail,
    requireDeployment: fail,
    publicConfig: fail,
    payments: reject,
    gateway: reject,
    limits: () => ({ consume: reject }),
    inference: reject,
    marketplace: reject,
    source: reject,
    startSettler: reject,
    startModelSync: reject,
    stopModelSync: async () => undefined,
    close: async () => undefined,
  };
}
