/**
 * The server process's follower of the registry's model updates (lib/models/sync.ts), started
 * once beside the settler. Kept on globalThis so that Next.js module reloads in development
 * reuse it. Several processes over one database may each run one: updates are versioned, so
 * applying one twice changes nothing.
 */
import { sharedDb } from "@/db/client";
import { publicClientFor } from "@/lib/chain/clients";
import { readDeployment } from "@/lib/chain/deploy";
import { config } from "@/lib/config";
import { createModelSync, type ModelSync } from "./sync";

const shared = globalThis as typeof globalThis & { __upstreamModelSync?: Promise<ModelSync> };

/** Options of {@link startSharedModelSync}. */
export type SharedModelSyncOptions = {
  /** Pause between two reads of the chain, in ms (default 1,000). */
  intervalMs?: number;
  /** Where failures and status changes are reported (default the console). */
  log?: Pick<Console, "error" | "info">;
};

/** Starts the process's follower (once) over the configured chain, deployment and database. */
export function startSharedModelSync(options: SharedModelSyncOptions = {}): Promise<ModelSync> {
  const log = options.log ?? console;
  shared.__upstreamModelSync ??= (async () => {
    const settings = config();
    const deployment = readDeployment(settings.deploymentFile);
    const { db } = await sharedDb(settings);
    const client = publicClientFor({ chainId: deployment.chainId, rpcUrl: settings.rpcUrl });
    // A chain that stays down would repeat one failure every second: say it when it changes.
    let lastError: string | undefined;
    const sync = createModelSync({
      db,
      client,
      registry: deployment.registry,
      startBlock: BigInt(deployment.startBlock),
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
    sync.start();
    return sync;
  })().catch((error) => {
    shared.__upstreamModelSync = undefined;
    throw error;
  });
  return shared.__upstreamModelSync;
}

/** Stops the process's follower, if one runs (tests and shutdown). */
export async function stopSharedModelSync(): Promise<void> {
  const running = shared.__upstreamModelSync;
  shared.__upstreamModelSync = undefined;
  await (await running?.catch(() => undefined))?.stop();
}
