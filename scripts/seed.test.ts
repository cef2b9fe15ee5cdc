import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle, migrate } from "@/db/client";
import { listDatanets, listModels } from "@/db/marketplace";
import { contributions, records } from "@/db/schema";
import { upstreamRegistryAbi } from "@/lib/chain/abis";
import { type MarketFixture, startMarketFixture } from "@/lib/chain/fixture";
import { type DemoPlan, demoPlan } from "./demo-plan";
import { seedDemo } from "./seed";

let chain: MarketFixture;
let handle: DbHandle;
let plan: DemoPlan;

const recordCount = async () => (await handle.db.select({ n: sql<number>`count(*)::int` }).from(records))[0].n;
const seed = () => seedDemo({ db: handle.db, rpcUrl: chain.anvil.rpcUrl, deployment: chain.deployment, plan });

beforeAll(async () => {
  plan = demoPlan({ contributionsPerDatanet: 3, recordsPerContribution: 3 });
  chain = await startMarketFixture();
  handle = await createDb({ dataDir: "memory://" });
  await migrate(handle.db);
});

afterAll(async () => {
  await handle?.close();
  await chain?.stop();
});

describe("seedDemo", () => {
  it("publishes the plan on chain and stores it, with several contributors per datanet", async () => {
    const report = await seed();
    const plannedRecords = plan.datanets.flatMap((d) => d.contributions).reduce((n, c) => n + c.records.length, 0);
    expect(report).toMatchObject({ datanets: 4, contributions: 12, records: plannedRecords, models: 3, recovered: 0 });
    expect(report.transactions).toBeGreaterThan(12 + 4 + 3);

    const datanets = await listDatanets(handle.db);
    expect(datanets.map((d) => d.name)).toEqual(plan.datanets.map((d) => d.metadata.name));
    for (const datanet of datanets) expect(datanet.contributorCount).toBe(3);
    expect(await recordCount()).toBe(plannedRecords);
    const models = await listModels(handle.db);
    expect(models.map((m) => [m.name, m.price, m.datanetIds.length])).toEqual(
      plan.models.map((m) => [m.metadata.name, m.price, m.datanets.length]),
    );
    const onChain = await chain.client.readContract({
      address: chain.deployment.registry,
      abi: upstreamRegistryAbi,
      functionName: "contributionCount",
    });
    expect(onChain).toBe(12n);
  });

  it("sends nothing when run again", async () => {
    const before = await recordCount();
    const report = await seed();
    expect(report).toMatchObject({ transactions: 0, recovered: 0, contributions: 12 });
    expect(await recordCount()).toBe(before);
  });

  it("recovers a contribution that is on chain but was never stored, without a new transaction", async () => {
    const before = await recordCount();
    await handle.db.delete(records).where(eq(records.contributionId, 5n));
    await handle.db.delete(contributions).where(eq(contributions.id, 5n));
    expect(await recordCount()).toBe(before - 3);
    const report = await seed();
    expect(report).toMatchObject({ transactions: 0, recovered: 1 });
    expect(await recordCount()).toBe(before);
  });
});
