/**
 * The server process's payments service and settler, built once from the configuration and the
 * deployment file. Kept on globalThis so that Next.js module reloads in development reuse them
 * (PGlite allows one process per folder; the settler must be the only writer for its key).
 */
import { privateKeyToAccount } from "viem/accounts";
import { sharedDb } from "@/db/client";
import { vacuumIntervalFor } from "@/db/maintenance";
import { publicClientFor, walletClientFor } from "@/lib/chain/clients";
import { readDeployment } from "@/lib/chain/deploy";
import { config, requireSettlerKey } from "@/lib/config";
import { createPayments, type Payments } from "@/lib/payments";
import { createSettler, type Settler } from "@/lib/settlement";

const shared = globalThis as typeof globalThis & {
  __upstreamPayments?: Promise<Payments>;
  __upstreamSettler?: Promise<Settler>;
};

/** The configured settler key is not the account the market's permits name. */
export class SettlerKeyMismatchError extends Error {
  readonly code = "SETTLER_KEY_MISMATCH";
  constructor(readonly configured: string, readonly deployed: string) {
    super(`SETTLER_PRIVATE_KEY is for ${configured}, but the deployment's settler is ${deployed}`);
  }
}

function once<T>(key: "__upstreamPayments" | "__upstreamSettler", make: () => Promise<T>): Promise<T> {
  const slot = shared as unknown as Record<string, Promise<T> | undefined>;
  slot[key] ??= make().catch((error) => {
    slot[key] = undefined;
    throw error;
  });
  return slot[key]!;
}

/** The process's payments service over the deployed market. */
export function sharedPayments(): Promise<Payments> {
  return once("__upstreamPayments", async () => {
    const settings = config();
    const { db, driver } = await sharedDb(settings);
    const deployment = readDeployment(settings.deploymentFile);
    const publicClient = publicClientFor({ chainId: deployment.chainId, rpcUrl: settings.rpcUrl });
    // PGlite has one connection: transactions queue anyway, so one batch takes everyone's.
    const batchBy = driver === "pglite" ? "all" : "payer";
    return createPayments({ db, publicClient, deployment, settlerAddress: deployment.settler, batchBy });
  });
}

/**
 * Starts the process's settler (once): the configured settler key must be the deployment's
 * settler. Errors while settling are logged and retried with backoff by the settler itself.
 */
export function startSharedSettler(log: Pick<Console, "error" | "info"> = console): Promise<Settler> {
  return once("__upstreamSettler", async () => {
    const settings = config();
    const deployment = readDeployment(settings.deploymentFile);
    const privateKey = requireSettlerKey(settings);
    const account = privateKeyToAccount(privateKey);
    if (account.address !== deployment.settler) throw new SettlerKeyMismatchError(account.address, deployment.settler);
    const { db } = await sharedDb(settings);
    const connection = { chainId: deployment.chainId, rpcUrl: settings.rpcUrl };
    // PGlite (and a PostgreSQL with autovacuum off) never vacuums by itself: the settler does.
    const vacuumEveryMs = await vacuumIntervalFor(db);
    const settler = createSettler({
      db,
      walletClient: walletClientFor({ ...connection, account }),
      publicClient: publicClientFor(connection),
      deployment,
      batchSize: settings.settleBatchSize,
      maxWaitMs: settings.settleMaxWaitMs,
      vacuumEveryMs,
      onEvent(event) {
        if (event.type === "error") {
          log.error(`settler: attempt ${event.attempt} failed, retrying in ${event.retryInMs} ms: ${(event.error as Error)?.message ?? event.error}`);
        }
      },
    });
    settler.start();
    log.info(`settler: settling as ${account.address} (batches of ${settings.settleBatchSize}, at most ${settings.settleMaxWaitMs} ms wait)`);
    return settler;
  });
}
