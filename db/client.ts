/**
 * One database API over two drivers: embedded PGlite (a folder, or memory) for the zero-setup
 * local marketplace, node-postgres for a real PostgreSQL. Callers see the same drizzle type.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import type { ServerConfig } from "@/lib/config";
import { UpstreamError } from "@/lib/errors";
import * as schema from "./schema";

/** The app's database, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A transaction on `Db`, for helpers that must run inside one. */
export type DbTransaction = PgTransaction<PgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;

/** `Db` or a transaction on it: what read/write helpers accept. */
export type DbOrTransaction = Db | DbTransaction;

export interface CreateDbOptions {
  /** PostgreSQL connection string; when set, node-postgres is used and `dataDir` is ignored. */
  url?: string;
  /** PGlite data folder (created if missing), or "memory://" for a throwaway in-memory database. */
  dataDir?: string;
}

/** An open database and how to close it. */
export interface DbHandle {
  db: Db;
  /** Which driver `db` runs on. */
  driver: "pglite" | "postgres";
  /** Releases the connection pool or shuts PGlite down (flushing it to its folder). */
  close(): Promise<void>;
}

/** The database could not be opened or migrated; `cause` holds the driver's error. */
export class DatabaseError extends UpstreamError {
  readonly code = "DATABASE_UNAVAILABLE";
  readonly status = 500;
}

/** Opens the database: PostgreSQL when `url` is given, otherwise PGlite (default folder `.data/db`). */
export async function createDb(options: CreateDbOptions = {}): Promise<DbHandle> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    try {
      (await pool.connect()).release();
    } catch (cause) {
      await pool.end();
      throw new DatabaseError(`Cannot connect to PostgreSQL at ${redactUrl(options.url)}: ${(cause as Error).message}`, { cause });
    }
    // An idle connection that breaks (a server restart, a dropped database) is replaced by the
    // pool; without a listener node-postgres would crash the process over it.
    pool.on("error", (error) => console.warn(`PostgreSQL connection lost: ${error.message}`));
    const db = drizzleNodePg(pool, { schema }) as unknown as Db;
    return { db, driver: "postgres", close: () => pool.end() };
  }
  const dataDir = options.dataDir ?? join(".data", "db");
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  let client: PGlite;
  try {
    client = await PGlite.create(dataDir);
  } catch (cause) {
    throw new DatabaseError(`Cannot open the embedded database in ${dataDir}: ${(cause as Error).message}`, { cause });
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return { db, driver: "pglite", close: () => client.close() };
}

/** The options `createDb` takes for a configuration: its DATABASE_URL, or PGlite under DATA_DIR/db. */
export function dbOptions(config: Pick<ServerConfig, "databaseUrl" | "dataDir">): CreateDbOptions {
  return config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, "db") };
}

/** The committed migrations, found beside this file (or from the repo root when bundled). */
export function migrationsFolder(): string {
  // Not `new URL("./migrations", import.meta.url)`: Turbopack resolves that as a module and fails.
  const beside = join(dirname(fileURLToPath(import.meta.url)), "migrations");
  return existsSync(join(beside, "meta", "_journal.json")) ? beside : resolve("db", "migrations");
}

// Any fixed number: the advisory lock that keeps two processes from migrating at once.
const MIGRATION_LOCK = 0x75707374;

/**
 * Applies every pending migration from `db/migrations`. Safe to call at every start and from
 * several processes at once (on PostgreSQL they take turns on an advisory lock).
 */
export async function migrate(db: Db): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: migrationsFolder() });
  const internals = db as unknown as { dialect: MigrationDialect; session: unknown; $client: unknown };
  if (!(internals.$client instanceof pg.Pool)) {
    await internals.dialect.migrate(migrations, internals.session, {});
    return;
  }
  // A session-level advisory lock belongs to one connection, so migrate on one checked-out client.
  const connection = await internals.$client.connect();
  try {
    await connection.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    const single = drizzleNodePg(connection, { schema }) as unknown as typeof internals;
    await single.dialect.migrate(migrations, single.session, {});
  } finally {
    await connection.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
    connection.release();
  }
}

interface MigrationDialect {
  migrate(migrations: ReturnType<typeof readMigrationFiles>, session: unknown, config: object): Promise<void>;
}

/** The connection string with its password hidden, for error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
