import { sql } from "drizzle-orm";
import { type Address, keccak256, toBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, DbHandle } from "@/db/client";
import { saveContribution, saveDatanet, saveModel } from "@/db/marketplace";
import { holds, inferences, spendPermits } from "@/db/schema";
import { searchDatanets, searchModels } from "@/db/search";
import { testDatabases } from "@/db/testing";
import { devAccounts } from "@/lib/chain/devAccounts";
import { getAccountProfile, parseAccountAddress } from "@/lib/marketplace/accounts";
import type { MarketplaceSource } from "@/lib/marketplace/source";
import { mobyDickChapters } from "@/scripts/corpora";
import { demoPlan } from "@/scripts/demo-plan";
import { browseDatanets, browseModels } from "./browse";
import { datanetSearchSchema, InvalidSearchError, MAX_QUERY_LENGTH, modelSearchSchema, parseSearch } from "./params";
import { browseRecords } from "./records";

const hex32 = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
const lower = (a: Address) => a.toLowerCase() as Address;
const account = (i: number) => lower(devAccounts[i]!.address);
/** Payers that are nobody's owner or contributor. */
const outsider = (n: number) => `0x${"a".repeat(38)}${n.toString(16).padStart(2, "0")}` as Address;

const TAGS: Record<string, string[]> = {
  sotu: ["speeches", "history", "politics"],
  "moby-dick": ["novels", "whaling", "sea"],
  "brown-press": ["news", "journalism"],
  "brown-fiction": ["fiction", "novels"],
};

/**
 * The demo marketplace from the seed's corpora (State of the Union addresses, Moby-Dick, the
 * Brown corpus; a few records each), 21 more datanets named after Moby-Dick chapters 41-61 for
 * paging, an OpenAI-compatible paused model, and paid inferences that make calls and payers differ.
 */
async function seedMarketplace(db: Db) {
  const plan = demoPlan({ contributionsPerDatanet: 3, recordsPerContribution: 6 });
  let contributionId = 1n;
  let tx = 1;
  for (const [i, planned] of plan.datanets.entries()) {
    const id = BigInt(i + 1);
    await saveDatanet(db, {
      id,
      name: planned.metadata.name,
      description: planned.metadata.description,
      license: planned.metadata.license,
      tags: TAGS[planned.key],
      owner: account(planned.owner),
      metadataUri: `ipfs://datanet-${id}`,
      txHash: hex32(tx++),
    });
    for (const c of planned.contributions) {
      await saveContribution(db, {
        id: contributionId++,
        datanetId: id,
        contributor: account(c.contributor),
        merkleRoot: hex32(tx++),
        txHash: hex32(tx++),
        records: c.records.map((text) => ({ text, hash: keccak256(toBytes(text)) })),
      });
    }
  }
  for (const [i, chapter] of mobyDickChapters(41, 61).entries()) {
    await saveDatanet(db, {
      id: BigInt(5 + i),
      name: `Chapter ${chapter.number}: ${chapter.title}`,
      description: chapter.text.split(/\n\s*\n/)[0]!.slice(0, 500),
      license: "CC0-1.0",
      owner: account(9),
      metadataUri: `ipfs://chapter-${chapter.number}`,
      txHash: hex32(tx++),
    });
  }
  const keys = plan.datanets.map((d) => d.key);
  for (const [i, planned] of plan.models.entries()) {
    await saveModel(db, {
      id: BigInt(i + 1),
      name: planned.metadata.name,
      description: planned.metadata.description,
      modelCard: planned.metadata.modelCard,
      backendKind: "builtin",
      owner: account(planned.owner),
      metadataUri: `ipfs://model-${i + 1}`,
      price: planned.price,
      ownerShareBps: planned.ownerShareBps,
      txHash: hex32(tx++),
      datanetIds: planned.datanets.map((k) => BigInt(keys.indexOf(k) + 1)),
      tags: i === 1 ? ["whales", "novels"] : [],
    });
  }
  await saveModel(db, {
    id: 4n,
    name: "Llama over the press",
    description: "An OpenAI-compatible llama3.2 grounded in 1961 newspapers.",
    modelCard: "Served by a local Ollama.",
    backendKind: "openai",
    backendBaseUrl: "http://127.0.0.1:11434/v1",
    backendModel: "llama3.2",
    owner: account(9),
    metadataUri: "ipfs://model-4",
    price: 5_000n,
    ownerShareBps: 1_000,
    txHash: hex32(tx++),
    datanetIds: [3n],
  });
  await db.execute(sql`update models set status = 'paused', version = 2 where id = 4`);

  const [permit] = await db
    .insert(spendPermits)
    .values({
      chainId: 31337,
      market: account(0),
      payer: outsider(0),
      spender: account(1),
      cap: 10n ** 30n,
      expiry: 2n ** 40n,
      nonce: 1n,
      signature: "0x",
    })
    .returning();
  const paid = async (
    modelId: bigint,
    payer: Address,
    price: bigint,
    attribution: unknown = {},
    status: "settled" | "failed" = "settled",
  ) => {
    const [hold] = await db.insert(holds).values({ payer, permitId: permit!.id, amount: price, status: "committed" }).returning();
    await db.insert(inferences).values({
      modelId,
      payer,
      permitId: permit!.id,
      holdId: hold!.id,
      price,
      prompt: "p",
      output: "o",
      retrievedRecordIds: [],
      attribution,
      attributionHash: hex32(99),
      payees: [],
      amounts: [],
      status,
      settlementTxHash: status === "settled" ? hex32(77) : null,
    });
  };
  // Union Address Historian (model 1): one payer, ten calls, 0.002 each. The first credits three
  // State of the Union records by its proof; the second's proof is malformed; a refused call's proof pays nothing.
  const [first, second] = [
    account(plan.datanets[0]!.contributions[0]!.contributor),
    account(plan.datanets[0]!.contributions[1]!.contributor),
  ];
  const checksummed = devAccounts.find((a) => lower(a.address) === first)!.address;
  await paid(1n, outsider(1), 2_000n, {
    records: [
      { id: "1:0", contributor: checksummed, spanCredit: 3, contextInfluence: 0, score: 0.375 },
      { id: "1:1", contributor: first, spanCredit: 1, contextInfluence: 0, score: 0.125 },
      { id: "2:0", contributor: second, spanCredit: 4, contextInfluence: 0, score: 0.5 },
    ],
    split: [
      { role: "protocol", amount: "50" },
      { role: "owner", address: account(6), amount: "750" },
      { role: "contributor", address: checksummed, amount: "800" },
      { role: "contributor", address: second, amount: "400" },
    ],
  });
  await paid(1n, outsider(1), 2_000n, {
    records: [
      { id: "1:0", contributor: "nobody", score: "0.5" },
      "junk",
      { id: "1:1; drop table records", contributor: first, score: 1 },
      { id: "1:2", contributor: first, score: 1e308 },
    ],
    split: "everything to me",
  });
  await paid(
    1n,
    outsider(1),
    2_000n,
    { records: [{ id: "1:0", contributor: first, score: 1 }], split: [{ role: "contributor", address: first, amount: "1000000" }] },
    "failed",
  );
  for (let i = 0; i < 8; i++) await paid(1n, outsider(1), 2_000n);
  // Ishmael (model 2): three payers, one call each, 0.001 each; a fourth call refused on chain.
  for (let i = 2; i <= 4; i++) await paid(2n, outsider(i), 1_000n);
  await paid(2n, outsider(5), 1_000n, {}, "failed");
  // Americana (model 3): its owner and a contributor of its datanets pay, many times: no independent payer.
  for (let i = 0; i < 5; i++) await paid(3n, account(8), 3_000n);
  for (let i = 0; i < 5; i++) await paid(3n, account(2), 3_000n);
}

describe.each(testDatabases())("browse and full-text search on $name", (target) => {
  let handle: DbHandle;
  let source: MarketplaceSource;

  beforeAll(async () => {
    handle = await target.open();
    source = { db: handle.db, indexer: null };
    await seedMarketplace(handle.db);
  }, 60_000);
  afterAll(() => handle.close());

  const models = async (raw: Record<string, string>) => {
    const result = await browseModels(source, raw);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result;
  };
  const datanets = async (raw: Record<string, string>) => {
    const result = await browseDatanets(source, raw);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result;
  };
  const names = (r: { items: { name: string }[] }) => r.items.map((i) => i.name);

  it("finds by stemmed words in names, descriptions, cards and tags, and ranks a name above a description", async () => {
    // "whale" finds "whales" (Ishmael's description and tag) and "The Whale" (Moby-Dick's description).
    expect(names(await models({ q: "whale" }))).toEqual(["Ishmael"]);
    const whale = names(await datanets({ q: "whale" }));
    expect(whale).toContain("Moby-Dick");
    // Chapters with a whale in their title (weight A) come before those with one in their text only.
    const inName = whale.map((name) => /whale/i.test(name));
    expect(inName.indexOf(false)).toBeGreaterThan(0);
    expect(inName.lastIndexOf(true)).toBeLessThan(inName.indexOf(false));
    // Tags: "novel" is a tag of Moby-Dick and the fiction datanet, in no name or description.
    expect(names(await datanets({ q: "novel" })).sort()).toEqual(["Brown corpus: fiction", "Moby-Dick"]);
    // The model card: every built-in model's card says "retrieval-grounded".
    expect((await models({ q: "retrieval-grounded" })).total).toBe(3);
    // Moby-Dick in a name (weight A) ranks above Moby-Dick in a description (Americana's, weight B).
    const moby = await datanets({ q: "Moby-Dick" });
    expect(names(moby)[0]).toBe("Moby-Dick");
    expect((await models({ q: "Moby-Dick" })).items.map((m) => m.name)).toEqual(["Americana"]);
  });

  it("reads web-search syntax: a quoted phrase, or, and a minus word", async () => {
    expect(names(await datanets({ q: '"State of the Union"' }))).toEqual(["State of the Union addresses"]);
    expect(names(await datanets({ q: "press or fiction" })).sort()).toEqual(["Brown corpus: fiction", "Brown corpus: press"]);
    expect(names(await datanets({ q: "brown -fiction" }))).toEqual(["Brown corpus: press"]);
  });

  it("filters models by price range in tUSD (inclusive, exact), datanet, licence, status and backend", async () => {
    expect(names(await models({ minPrice: "0.001", maxPrice: "0.002", sort: "price" }))).toEqual(["Ishmael", "Union Address Historian"]);
    expect(names(await models({ maxPrice: "0.000999" }))).toEqual([]);
    expect(names(await models({ minPrice: "0.003", sort: "price" }))).toEqual(["Americana", "Llama over the press"]);
    expect(names(await models({ datanet: "2", sort: "newest" }))).toEqual(["Americana", "Ishmael"]);
    expect(names(await models({ license: "public domain", sort: "newest" }))).toEqual(["Americana", "Ishmael"]);
    expect(names(await models({ status: "paused" }))).toEqual(["Llama over the press"]);
    expect(names(await models({ backend: "openai" }))).toEqual(["Llama over the press"]);
    expect(names(await models({ backend: "builtin", status: "active", q: "newspapers" }))).toEqual(["Americana"]);
  });

  it("ranks by distinct independent payers, never by calls, and by their settled revenue", async () => {
    const popular = await models({});
    expect(popular.sort).toBe("popular");
    // Ishmael: 3 payers (a refused call does not count); Union: 1 payer making 10 calls; Americana: only insiders paid.
    expect(popular.items.map((m) => [m.name, m.payerCount])).toEqual([
      ["Ishmael", 3],
      ["Union Address Historian", 1],
      ["Llama over the press", 0],
      ["Americana", 0],
    ]);
    const earning = await models({ sort: "earning" });
    expect(earning.items.map((m) => [m.name, m.revenue])).toEqual([
      ["Union Address Historian", 20_000n],
      ["Ishmael", 3_000n],
      ["Llama over the press", 0n],
      ["Americana", 0n],
    ]);
    // Through its models: Moby-Dick's payers are Ishmael's three; State of the Union's, Union's one.
    const popularDatanets = await datanets({});
    expect(popularDatanets.items.slice(0, 2).map((d) => [d.name, d.payerCount])).toEqual([
      ["Moby-Dick", 3],
      ["State of the Union addresses", 1],
    ]);
    expect(names(await models({ sort: "newest" }))).toEqual(["Llama over the press", "Americana", "Ishmael", "Union Address Historian"]);
  });

  it("pages 20 at a time with the total, the last page short and a page past the end empty", async () => {
    const first = await datanets({ sort: "newest" });
    const second = await datanets({ sort: "newest", page: "2" });
    const past = await datanets({ sort: "newest", page: "3" });
    expect([first.total, first.pageCount, first.items.length]).toEqual([25, 2, 20]);
    expect([second.total, second.items.length]).toEqual([25, 5]);
    expect([past.total, past.items.length]).toEqual([25, 0]);
    const ids = [...first.items, ...second.items].map((d) => d.id);
    expect(new Set(ids).size).toBe(25);
    expect(ids[0]).toBe("25");
    expect(ids.at(-1)).toBe("1");
    // Exactly one page: 20 CC0 chapters plus nothing else → one full page, no second.
    const cc0 = await datanets({ license: "CC0-1.0" });
    expect([cc0.total, cc0.pageCount, cc0.items.length]).toEqual([21, 2, 20]);
  });

  it("answers hostile searches without an error: tsquery syntax, long, unicode, common words only", async () => {
    for (const q of [
      "!!&&|():*<-> \"unterminated '' \\\\ or - -",
      "whale:* & !sea | (ahab <-> ship)",
      "' OR 1=1; drop table models; --",
      "日本語 Çağrı café 🐋",
      "ا لحوت",
      "\u200b\ufeff",
    ]) {
      await expect(models({ q })).resolves.toBeDefined();
      await expect(datanets({ q })).resolves.toBeDefined();
    }
    // Common words only have no lexemes: everything matches, nothing fails.
    expect((await datanets({ q: "the of and" })).total).toBe(25);
    // The database layer alone takes a very long query too.
    const long = "whale ".repeat(2_000);
    await expect(searchModels(handle.db, { q: long, sort: "relevance", limit: 20, offset: 0 })).resolves.toMatchObject({ total: 1 });
    await expect(searchDatanets(handle.db, { q: "'\\\":*&|!", sort: "relevance", limit: 20, offset: 0 })).resolves.toBeDefined();
  });

  it("refuses a bad query string with a message per parameter, before any query", async () => {
    const bad = await browseModels(source, {
      q: "x".repeat(MAX_QUERY_LENGTH + 1),
      page: "0",
      minPrice: "0.0000001",
      status: "deleted",
      sort: "cheapest",
      datanet: "-1",
      extra: "1",
    });
    expect(bad.ok).toBe(false);
    const problems = bad.ok ? [] : bad.problems;
    expect(problems.map((p) => p.param).sort()).toEqual(["datanet", "extra", "minPrice", "page", "q", "sort", "status"]);
    expect(problems.find((p) => p.param === "minPrice")?.message).toMatch(/at most 6 decimals/);
    expect(await browseDatanets(source, { q: "a\u0000b" })).toMatchObject({ ok: false, problems: [{ param: "q" }] });
    expect(await browseDatanets(source, { q: "\ud800" })).toMatchObject({ ok: false, problems: [{ param: "q" }] });
    expect(await browseDatanets(source, { q: ["a", "b"] })).toMatchObject({
      ok: false,
      problems: [{ param: "q", message: "is given more than once" }],
    });
    expect(await browseModels(source, { minPrice: "2", maxPrice: "1" })).toMatchObject({ ok: false, problems: [{ param: "maxPrice" }] });
    expect(await browseDatanets(source, { page: "1e3" })).toMatchObject({ ok: false, problems: [{ param: "page" }] });
  });
});

describe.each(testDatabases())("a datanet's records and contributors on $name", (target) => {
  let handle: DbHandle;
  let source: MarketplaceSource;

  beforeAll(async () => {
    handle = await target.open();
    source = { db: handle.db, indexer: null };
    await seedMarketplace(handle.db);
  }, 60_000);
  afterAll(() => handle.close());

  it("lists records in on-chain order with contribution, leaf, proof link and what each earned from settled proofs", async () => {
    const page = await browseRecords(source, 1n, {});
    if (!page?.records.ok) throw new Error("no records");
    const { items, total } = page.records;
    expect(total).toBe(18);
    expect(items.map((r) => r.id).slice(0, 8)).toEqual(["1:0", "1:1", "1:2", "1:3", "1:4", "1:5", "2:0", "2:1"]);
    expect(items[0]).toMatchObject({
      contributionId: "1",
      position: 0,
      proofHref: "/api/datanets/1/contributions/1/proof?position=0",
      earned: 600n,
      creditCount: 1,
    });
    // 800 to the first contributor shared 3:1 by score; 400 to the second for its one record.
    expect(items.filter((r) => r.earned > 0n).map((r) => [r.id, r.earned])).toEqual([
      ["1:0", 600n],
      ["1:1", 200n],
      ["2:0", 400n],
    ]);
    // A malformed proof credits nothing, not even a count.
    expect(items.filter((r) => r.creditCount > 0).map((r) => r.id)).toEqual(["1:0", "1:1", "2:0"]);
    expect(page.contributors.filter((c) => c.earned > 0n).map((c) => c.earned)).toEqual([800n, 400n]);
    // The datanets' ranking by earnings reads the same credits.
    const earning = await searchDatanets(handle.db, { sort: "earning", limit: 2, offset: 0 });
    expect(earning.rows.map((d) => [d.name, d.earned])).toEqual([
      ["State of the Union addresses", 1_200n],
      ["Chapter 61: Stubb Kills a Whale.", 0n],
    ]);
    expect(page.contributors.reduce((n, c) => n + c.recordCount, 0)).toBe(18);
  });

  it("searches a datanet's records by full text, pages them and refuses a bad page", async () => {
    const all = await browseRecords(source, 1n, {});
    const word = /\b(government)\b/i;
    const expected = all?.records.ok ? all.records.items.filter((r) => word.test(r.text)).map((r) => r.id) : [];
    expect(expected.length).toBeGreaterThan(0);
    const found = await browseRecords(source, 1n, { q: "governments" });
    expect(found?.records.ok && found.records.items.map((r) => r.id)).toEqual(expect.arrayContaining(expected));
    // Each shows the passages that match, the matches marked.
    for (const record of found?.records.ok ? found.records.items : []) {
      expect(record.excerpt?.filter((run) => run.match).map((run) => run.text.toLowerCase())).toContain("government");
    }
    expect(all?.records.ok && all.records.items[0]!.excerpt).toBeNull();
    // Records of other datanets never come up.
    const whales = await browseRecords(source, 1n, { q: "harpooneer" });
    expect(whales?.records.ok && whales.records.total).toBe(0);
    const past = await browseRecords(source, 1n, { page: "2" });
    expect(past?.records.ok && [past.records.total, past.records.items.length]).toEqual([18, 0]);
    expect((await browseRecords(source, 1n, { page: "-1" }))?.records).toMatchObject({ ok: false, problems: [{ param: "page" }] });
    expect(await browseRecords(source, 999n, {})).toBeNull();
    await expect(browseRecords(source, 1n, { q: "!!&&|():*<-> '\\" })).resolves.toBeTruthy();
  });
});

describe.each(testDatabases())("an account's profile on $name", (target) => {
  let handle: DbHandle;
  let source: MarketplaceSource;

  beforeAll(async () => {
    handle = await target.open();
    source = { db: handle.db, indexer: null };
    await seedMarketplace(handle.db);
  }, 60_000);
  afterAll(() => handle.close());

  it("shows what an address published, contributed and its records earned; the chain's credits wait for the indexer", async () => {
    const publisher = devAccounts[2]!.address;
    const profile = await getAccountProfile(source, parseAccountAddress(publisher.toLowerCase())!);
    expect(profile.address).toBe(publisher);
    expect(profile.datanets.map((d) => d.name)).toEqual(["State of the Union addresses"]);
    expect(profile.models).toEqual([]);
    expect(profile.contributions.map((c) => [c.datanetName, c.recordCount])).toEqual(
      expect.arrayContaining([["State of the Union addresses", 6]]),
    );
    expect(profile.recordCount).toBe(profile.contributions.reduce((n, c) => n + c.recordCount, 0));
    expect(profile.recordEarnings).toBe(800n);
    expect(profile.earnings).toBeNull();
    const owner = await getAccountProfile(source, devAccounts[7]!.address);
    expect(owner.models.map((m) => [m.name, m.payerCount])).toEqual([["Ishmael", 3]]);
    const nobody = await getAccountProfile(source, outsider(99));
    expect([nobody.datanets, nobody.models, nobody.contributions, nobody.recordEarnings]).toEqual([[], [], [], 0n]);
  });

  it("takes an address in any case and nothing else", () => {
    expect(parseAccountAddress(devAccounts[3]!.address.toLowerCase())).toBe(devAccounts[3]!.address);
    for (const bad of ["0x123", "not-an-address", `0x${"g".repeat(40)}`, `${devAccounts[3]!.address}00`, "", "%E0%A4%A"]) {
      expect(parseAccountAddress(bad)).toBeNull();
    }
  });
});

describe("search query strings", () => {
  it("converts tUSD exactly with the token's 6 decimals and drops blank values", () => {
    const parsed = parseSearch(modelSearchSchema, new URLSearchParams("q=&minPrice=0.002&maxPrice=123456789012345.123456&page=2"));
    expect(parsed).toEqual({ minPrice: 2_000n, maxPrice: 123_456_789_012_345_123_456n, page: 2 });
    expect(parseSearch(datanetSearchSchema, {})).toEqual({ page: 1 });
    expect(() => parseSearch(datanetSearchSchema, { page: "10001" })).toThrow(InvalidSearchError);
    expect(() => parseSearch(modelSearchSchema, { minPrice: "1,5" })).toThrow(/minPrice must be an amount in tUSD/);
  });
});
