/**
 * Databases for tests: an in-memory PGlite always, and a throwaway PostgreSQL database when
 * TEST_DATABASE_URL is set, so one suite runs on both with `describe.each(testDatabases())`.
 */
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import pg from "pg";
import { createDb, type DbHandle, migrate } from "./client";

/** One database a test can run against. */
export interface TestDatabase {
  /** "pglite" or "postgres", for test titles. */
  name: "pglite" | "postgres";
  /** Opens a fresh, empty database (migrated unless `migrated: false`); `close()` also deletes it. */
  open(options?: { migrated?: boolean }): Promise<DbHandle>;
}

/** The targets to run database tests on: PGlite, plus PostgreSQL when TEST_DATABASE_URL is set. */
export function testDatabases(env: Readonly<Record<string, string | undefined>> = process.env): TestDatabase[] {
  const targets: TestDatabase[] = [{ name: "pglite", open: openPglite }];
  const adminUrl = env.TEST_DATABASE_URL;
  if (adminUrl) targets.push({ name: "postgres", open: (options) => openPostgres(adminUrl, options) });
  return targets;
}

async function openFresh(target: { url?: string; dataDir?: string }, options: { migrated?: boolean } = {}): Promise<DbHandle> {
  const handle = await createDb(target);
  if (options.migrated !== false) await migrate(handle.db);
  return handle;
}

// Starting PGlite (initdb inside WebAssembly) takes seconds on a busy machine, so a test process
// keeps one in-memory instance and empties it for every `open()` instead.
let pglite: Promise<DbHandle> | undefined;
let pgliteHeld = false;

/** The process's in-memory PGlite, emptied; only one test may hold it at a time. */
async function openPglite(options: { migrated?: boolean } = {}): Promise<DbHandle> {
  // Emptying it under a test that still uses it would fail that test in confusing ways.
  if (pgliteHeld) throw new Error("The in-memory PGlite test database is already open in this process: close() it first");
  pgliteHeld = true;
  let handle: DbHandle;
  try {
    pglite ??= createDb({ dataDir: "memory://" });
    handle = await pglite;
    await handle.db.execute(sql`drop schema if exists drizzle cascade`);
    await handle.db.execute(sql`drop schema public cascade`);
    await handle.db.execute(sql`create schema public`);
    if (options.migrated !== false) await migrate(handle.db);
  } catch (error) {
    pgliteHeld = false;
    throw error;
  }
  // Closing would cost the next test a fresh start; the instance goes with the process.
  return {
    ...handle,
    close: async () => {
      pgliteHeld = false;
    },
  };
}

/** A new database on the server of `adminUrl`, dropped again on close. */
async function openPostgres(adminUrl: string, options?: { migrated?: boolean }): Promise<DbHandle> {
  const name = `upstream_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openFresh({ url: url.toString() }, options);
  return {
    ...handle,
    async close() {
      await handle.close();
      await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

/** Runs one statement on its own connection: CREATE/DROP DATABASE cannot run in a pool's transaction. */
export async function adminQuery(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
