import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createDb, DatabaseError, dbOptions, migrate } from "./client";
import { datanets } from "./schema";
import { testDatabases } from "./testing";

const owner = `0x${"a1".repeat(20)}` as const;
const txHash = `0x${"b2".repeat(32)}` as const;

describe.each(testDatabases())("on $name", (target) => {
  it("applies the migrations to an empty database, and again without change", async () => {
    const { db, close } = await target.open({ migrated: false });
    try {
      await migrate(db);
      await migrate(db);
      // Both drivers answer a raw query with `{ rows }`.
      const tables = (await db.execute(
        sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      )) as unknown as { rows: { table_name: string }[] };
      const names = tables.rows.map((r) => r.table_name);
      expect(names).toEqual(expect.arrayContaining(["contributions", "datanets", "model_datanets", "models", "records"]));
    } finally {
      await close();
    }
  });

  it("round-trips uint256 ids and amounts exactly", async () => {
    const { db, close } = await target.open();
    try {
      const ids = [2n ** 200n, 2n ** 256n - 1n, 0n, 9_007_199_254_740_993n];
      await db
        .insert(datanets)
        .values(ids.map((id) => ({ id, name: `n${id}`, license: "CC0-1.0", owner, metadataUri: "ipfs://x", txHash })));
      const back = await db.select({ id: datanets.id }).from(datanets).orderBy(datanets.id);
      expect(back.map((r) => r.id)).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
      expect(typeof back[0]!.id).toBe("bigint");
    } finally {
      await close();
    }
  });

  it("refuses a mixed-case address, which would break equality", async () => {
    const { db, close } = await target.open();
    try {
      const insert = db
        .insert(datanets)
        .values({ id: 1n, name: "n", license: "x", owner: `0x${"A1".repeat(20)}`, metadataUri: "", txHash });
      await expect(insert).rejects.toThrow();
    } finally {
      await close();
    }
  });
});

describe("createDb", () => {
  const dir = mkdtempSync(join(tmpdir(), "upstream-db-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps PGlite data in its folder across restarts", async () => {
    const first = await createDb({ dataDir: join(dir, "db") });
    await migrate(first.db);
    await first.db.insert(datanets).values({ id: 7n, name: "kept", license: "CC0-1.0", owner, metadataUri: "", txHash });
    await first.close();
    const second = await createDb({ dataDir: join(dir, "db") });
    await migrate(second.db);
    expect(await second.db.select({ name: datanets.name }).from(datanets)).toEqual([{ name: "kept" }]);
    await second.close();
  });

  it("names the server, without the password, when PostgreSQL is unreachable", async () => {
    const attempt = createDb({ url: "postgres://user:hunter2@127.0.0.1:1/none" });
    await expect(attempt).rejects.toThrow(DatabaseError);
    await expect(attempt).rejects.toThrow(/Cannot connect to PostgreSQL at postgres:\/\/user:\*\*\*@127\.0\.0\.1:1\/none/);
  });

  it("chooses the driver from the configuration", () => {
    expect(dbOptions({ databaseUrl: "postgres://h/db", dataDir: ".data" })).toEqual({ url: "postgres://h/db" });
    expect(dbOptions({ databaseUrl: undefined, dataDir: "/srv/up" })).toEqual({ dataDir: "/srv/up/db" });
  });
});

describe("testDatabases", () => {
  it("lends the in-memory PGlite to one holder at a time, empty each time", async () => {
    const [pglite] = testDatabases({});
    const first = await pglite!.open();
    await first.db.insert(datanets).values({ id: 1n, name: "left over", license: "x", owner, metadataUri: "", txHash });
    await expect(pglite!.open()).rejects.toThrow(/already open/);
    await first.close();
    const second = await pglite!.open();
    expect(await second.db.select().from(datanets)).toEqual([]);
    await second.close();
  });
});
