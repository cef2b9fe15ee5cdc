/**
 * VACUUM for the tables every paid inference rewrites. Updates leave dead row versions behind
 * (holds go pending → committed, inferences pending → settled, outbox rows likewise), and the
 * payment checks read through the partial "pending" indexes those versions clutter. PostgreSQL
 * normally reclaims them itself (autovacuum); PGlite, a single-user PostgreSQL, has no
 * autovacuum daemon, and a server may have it switched off. There the process must vacuum:
 * on PostgreSQL with autovacuum off, the gateway fell from ~390 to ~95 paid inferences/s after
 * ~17,000 inferences, and was back at ~340/s right after one VACUUM.
 */
import { sql } from "drizzle-orm";
import pg from "pg";
import type { Db } from "./client";

/** How often a server process vacuums a database that does not vacuum itself, in ms. */
export const VACUUM_EVERY_MS = 30_000;

/** The tables a paid inference updates. */
export const PAYMENT_TABLES = ["holds", "inferences", "outbox", "api_keys"] as const;

/** True when nothing vacuums this database by itself: PGlite, or PostgreSQL with autovacuum off. */
export async function needsManualVacuum(db: Db): Promise<boolean> {
  const client = (db as unknown as { $client: unknown }).$client;
  if (!(client instanceof pg.Pool)) return true;
  const result = (await db.execute(sql`select current_setting('autovacuum') as autovacuum`)) as unknown as {
    rows: { autovacuum: string }[];
  };
  return result.rows[0]?.autovacuum !== "on";
}

/** How often a server process should vacuum `db`: every {@link VACUUM_EVERY_MS} if nothing else does, else never (undefined). */
export async function vacuumIntervalFor(db: Db): Promise<number | undefined> {
  return (await needsManualVacuum(db)) ? VACUUM_EVERY_MS : undefined;
}

/** Reclaims dead row versions of the payment tables (not in a transaction; a few ms to a second). */
export async function vacuumPaymentTables(db: Db): Promise<void> {
  await db.execute(sql.raw(`vacuum ${PAYMENT_TABLES.join(", ")}`));
}
