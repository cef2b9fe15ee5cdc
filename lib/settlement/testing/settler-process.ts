/**
 * A settler in its own process, for the crash tests: settles the outbox until it is empty, then
 * exits 0. With SETTLER_KILL_STAGE=<stage> and SETTLER_KILL_AT=<n> it SIGKILLs itself the n-th
 * time it reaches that stage — no cleanup, no flush, as a crash would.
 *
 * Environment: SETTLER_DATABASE_URL (PostgreSQL) or SETTLER_PGLITE_DIR, SETTLER_RPC_URL,
 * SETTLER_CHAIN_ID, SETTLER_MARKET, SETTLER_PRIVATE_KEY, SETTLER_BATCH_SIZE.
 */
import { getAddress, type Hex } from "viem";
import { createDb } from "@/db/client";
import { publicClientFor, walletClientFor } from "@/lib/chain/clients";
import { createSettler, outboxCounts } from "../index";

const env = process.env;
const connection = { chainId: Number(env.SETTLER_CHAIN_ID), rpcUrl: env.SETTLER_RPC_URL! };
const handle = await createDb(env.SETTLER_DATABASE_URL ? { url: env.SETTLER_DATABASE_URL } : { dataDir: env.SETTLER_PGLITE_DIR! });
const killStage = env.SETTLER_KILL_STAGE;
let left = Number(env.SETTLER_KILL_AT ?? 0);

const settler = createSettler({
  db: handle.db,
  walletClient: walletClientFor({ ...connection, privateKey: env.SETTLER_PRIVATE_KEY as Hex }),
  publicClient: publicClientFor(connection),
  deployment: { chainId: connection.chainId, market: getAddress(env.SETTLER_MARKET!) },
  batchSize: Number(env.SETTLER_BATCH_SIZE ?? 4),
  maxWaitMs: 0,
  pollIntervalMs: 10,
  maxBackoffMs: 200,
  onStage(stage) {
    if (stage === killStage && --left === 0) process.kill(process.pid, "SIGKILL");
  },
  onEvent(event) {
    if (event.type === "error") console.error(`settler error (attempt ${event.attempt}):`, event.error);
  },
});

// Report that the process is up, so the parent's timed kills land during real work.
console.log(`ready after ${Math.round(performance.now())} ms`);
settler.start();
for (;;) {
  const counts = await outboxCounts(handle.db);
  if (counts.pending + counts.submitted === 0) break;
  await new Promise((r) => setTimeout(r, 20));
}
await settler.stop();
await handle.close();
process.exit(0);
