import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "./client";
import { needsManualVacuum, PAYMENT_TABLES, vacuumPaymentTables } from "./maintenance";
import { testDatabases } from "./testing";

describe.each(testDatabases())("payment table maintenance on $name", (target) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await target.open();
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("knows whether the database vacuums itself", async () => {
    if (handle.driver === "pglite") {
      expect(await needsManualVacuum(handle.db)).toBe(true);
    } else {
      const result = (await handle.db.execute(sql`select current_setting('autovacuum') as a`)) as unknown as { rows: { a: string }[] };
      expect(await needsManualVacuum(handle.db)).toBe(result.rows[0].a !== "on");
    }
  });

  it("vacuums every payment table", async () => {
    await vacuumPaymentTables(handle.db);
    if (handle.driver === "postgres") {
      const result = (await handle.db.execute(
        sql`select relname, last_vacuum from pg_stat_user_tables where relname in (${sql.join(
          PAYMENT_TABLES.map((t) => sql`${t}`),
          sql`, `,
        )})`,
      )) as unknown as { rows: { relname: string; last_vacuum: unknown }[] };
      expect(result.rows.map((r) => r.relname).sort()).toEqual([...PAYMENT_TABLES].sort());
      for (const row of result.rows) expect(row.last_vacuum).not.toBeNull();
    }
  });
});
