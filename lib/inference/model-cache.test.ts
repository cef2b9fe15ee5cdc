import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { saveContribution, updateModelTerms } from "@/db/marketplace";
import { testDatabases } from "@/db/testing";
import { buildIndex, retrieve, snapshotId } from "@/lib/attribution";
import { createModelCache, recordId } from "./model-cache";
import { mobyDickTexts, seedTwoContributorModel } from "./testing/seed";

const ALICE = "0x1000000000000000000000000000000000000001" as const;
const BOB = "0x2000000000000000000000000000000000000002" as const;
const chapters = [mobyDickTexts(0, 2), mobyDickTexts(2, 4), mobyDickTexts(4, 5)];

describe("the gateway's model cache", () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await testDatabases()[0].open();
    await seedTwoContributorModel(handle.db, {
      owner: ALICE,
      price: 1000n,
      contributors: [ALICE, BOB],
      texts: [...chapters[0], ...chapters[1]],
      split: chapters[0].length,
    });
  });
  afterAll(() => handle?.close());

  it("builds a model's index from its datanets' records, in on-chain order", async () => {
    const cache = createModelCache({ db: handle.db });
    const entry = (await cache.get(1n))!;
    expect(entry.model.price).toBe(1000n);
    expect(entry.index.recordCount).toBe(chapters[0].length + chapters[1].length);
    expect(entry.texts.get(recordId(2n, 0))).toBe(chapters[1][0]);
    expect(await cache.get(99n)).toBeUndefined();
  });

  it("adds a new contribution as one more segment, giving the index a fresh build would give", async () => {
    const cache = createModelCache({ db: handle.db, ttlMs: 60_000 });
    const before = (await cache.get(1n))!;
    await saveContribution(handle.db, {
      id: 3n,
      datanetId: 1n,
      contributor: BOB,
      merkleRoot: `0x${"ab".repeat(32)}`,
      txHash: `0x${"cd".repeat(32)}`,
      records: chapters[2].map((text) => ({ text, hash: `0x${"ef".repeat(32)}` as const })),
    });
    // Within the freshness window the cached snapshot is served; invalidating picks the contribution up.
    expect((await cache.get(1n))!.index.recordCount).toBe(before.index.recordCount);
    cache.invalidate(1n);
    const after = (await cache.get(1n))!;
    expect(after.index.recordCount).toBe(before.index.recordCount + chapters[2].length);
    expect(after.index.segments.length).toBe(before.index.segments.length + 1);
    expect(after.lastContributionId).toBe(3n);

    const all = [chapters[0], chapters[1], chapters[2]].flatMap((texts, c) =>
      texts.map((text, i) => ({ id: recordId(BigInt(c + 1), i), contributor: c === 0 ? ALICE : BOB, text })),
    );
    expect(snapshotId(after.index)).toBe(snapshotId(buildIndex(all)));
    // The new chapter's text is retrievable.
    const firstNew = recordId(3n, 0);
    expect(retrieve(after.index, chapters[2][0], { k: 3 }).map((r) => r.id)).toContain(firstNew);
  });

  it("serves a model's status no staler than its freshness window", async () => {
    const ttlMs = 150;
    const cache = createModelCache({ db: handle.db, ttlMs });
    expect((await cache.get(1n))!.model.status).toBe("active");
    await updateModelTerms(handle.db, 1n, { price: 1000n, ownerShareBps: 2000, status: "paused", version: 2 });
    // Once the window has passed since the last read, the next get reads the row again.
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 20));
    expect((await cache.get(1n))!.model.status).toBe("paused");
    await updateModelTerms(handle.db, 1n, { price: 1000n, ownerShareBps: 2000, status: "active", version: 3 });
    cache.invalidate(1n);
    expect((await cache.get(1n))!.model).toMatchObject({ status: "active", version: 3 });
  });
});
