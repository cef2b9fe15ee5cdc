/**
 * `npm run outbox` — the settler's quarantine, for an operator. Lists the inferences the settler
 * took out of its batches and why; `npm run outbox -- release <seq>...` queues them again once
 * the cause is fixed. Opens the app's database: with the embedded PGlite, stop `npm start` first
 * (one process at a time); with DATABASE_URL it runs beside the server.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { Db } from "@/db/client";
import { quarantinedRows, releaseQuarantined } from "@/lib/settlement";

/** The command line: nothing (list) or `release` and the sequence numbers to requeue. */
const commandSchema = z.union([
  z.tuple([]).transform(() => ({ command: "list" as const })),
  z
    .tuple([z.literal("release")], z.string().regex(/^[1-9][0-9]{0,18}$/, "a sequence number"))
    .transform(([, ...seqs]) => ({ command: "release" as const, seqs: seqs.map(BigInt) })),
]);

/** Runs one command against `db`; returns the lines to print. */
export async function runOutboxCommand(db: Db, argv: readonly string[]): Promise<string[]> {
  const parsed = commandSchema.safeParse([...argv]);
  if (!parsed.success) throw new Error("usage: npm run outbox [-- release <seq>...]");
  if (parsed.data.command === "release") {
    const released = await releaseQuarantined(db, parsed.data.seqs);
    return [`released ${released} of ${parsed.data.seqs.length} (only quarantined rows are released)`];
  }
  const rows = await quarantinedRows(db);
  if (rows.length === 0) return ["no quarantined inferences"];
  return rows.map((r) => `${r.seq}\tinference ${r.inferenceId}\t${r.reason ?? ""}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { loadConfig } = await import("@/lib/config");
  const { createDb, dbOptions, migrate } = await import("@/db/client");
  try {
    const handle = await createDb(dbOptions(loadConfig()));
    try {
      await migrate(handle.db);
      for (const line of await runOutboxCommand(handle.db, process.argv.slice(2))) console.log(line);
    } finally {
      await handle.close();
    }
  } catch (error) {
    console.error(`outbox: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
