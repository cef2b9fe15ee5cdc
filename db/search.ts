/**
 * Browsing and full-text search over the marketplace: models, datanets and a datanet's records,
 * answered by PostgreSQL's full-text search (the generated `search` documents and their GIN
 * indexes), filtered, sorted and paged in SQL, so a page never loads more than it shows.
 *
 * Rankings by use or money count **independent payers** only: a payer that owns the model or
 * contributed to one of its datanets is left out, so neither self-paid calls nor many calls by
 * one payer move a ranking (a payer counts once per model however often it calls).
 */
import { and, asc, desc, eq, gte, inArray, lte, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { DbOrTransaction } from "./client";
import { type DatanetSummary, datanetColumns, type Model, type ModelStatus, modelColumns, recordColumns } from "./marketplace";
import { contributions, datanets, inferences, modelDatanets, models, records } from "./schema";

type Hex = `0x${string}`;

/** Rows of a raw statement; both drivers answer `{ rows }`. */
async function rowsOf<Row>(db: DbOrTransaction, query: SQL): Promise<Row[]> {
  return ((await db.execute(query)) as unknown as { rows: Row[] }).rows;
}

/** The English text-search query of what a person typed: quotes, `or` and `-word` as on a web search engine. */
const tsquery = (q: string) => sql`websearch_to_tsquery('english', ${q})`;

/**
 * Matches a document against `q`. A query of common words only ("the", "of") has no lexemes; it
 * matches everything rather than nothing (and PostgreSQL would warn on every row).
 */
const matches = (document: AnyPgColumn, q: string) => sql`(numnode(${tsquery(q)}) = 0 or ${document} @@ ${tsquery(q)})`;

/** Relevance of a document to `q` (cover density: query words close together rank higher), for sorting. */
const relevance = (document: AnyPgColumn, q: string) => sql<number>`ts_rank_cd(${document}, ${tsquery(q)})`;

/** Where a page starts and how long it is. */
export interface PageWindow {
  limit: number;
  offset: number;
}

/** A page of results and how many there are in all. */
export interface SearchResult<T> {
  rows: T[];
  total: number;
}

// ---------------------------------------------------------------- independent payers

/** A payer of model `modelId` that is neither its owner nor a contributor to one of its datanets. */
const independentPayer = (modelId: SQL | typeof inferences.modelId, payer: typeof inferences.payer) => sql`(
  ${payer} <> (select ${models.owner} from ${models} where ${models.id} = ${modelId})
  and not exists (
    select 1 from ${modelDatanets} join ${contributions} on ${contributions.datanetId} = ${modelDatanets.datanetId}
    where ${modelDatanets.modelId} = ${modelId} and ${contributions.contributor} = ${payer}
  )
)`;

/** Per model: distinct independent payers of its paid inferences, and what their settled ones were charged. */
function modelUsage(db: DbOrTransaction) {
  return db
    .select({
      modelId: inferences.modelId,
      payerCount: sql<number>`count(distinct ${inferences.payer})::int`.as("payer_count"),
      // numeric, read back as text: uint256 sums never pass through a float.
      revenue: sql<string>`coalesce(sum(${inferences.price}) filter (where ${inferences.status} = 'settled'), 0)::text`.as("revenue"),
    })
    .from(inferences)
    .where(and(sql`${inferences.status} <> 'failed'`, independentPayer(inferences.modelId, inferences.payer)))
    .groupBy(inferences.modelId)
    .as("usage");
}

// ---------------------------------------------------------------- record credits

/**
 * What each record earned in each settled inference, from the stored attribution proofs: the
 * proof's payout to the record's contributor, shared among that contributor's credited records in
 * proportion to their scores (rounded down, so a contributor's records never add up to more
 * than the contributor was paid). The proof is read as untrusted JSON: anything malformed is
 * left out, never cast into an error. `where` narrows the inferences read (e.g. one datanet's models).
 */
function recordCredits(where?: SQL) {
  const array = (value: SQL) => sql`case when jsonb_typeof(${value}) = 'array' then ${value} else '[]'::jsonb end`;
  return sql`(
    select credit.settlement_seq, credit.payer, credit.model_id, credit.contribution_id, credit.position,
      floor(credit.payout * credit.score / sum(credit.score) over (partition by credit.settlement_seq, credit.contributor)) as amount
    from (
      select ${inferences.settlementSeq} as settlement_seq, ${inferences.payer} as payer, ${inferences.modelId} as model_id,
        lower(rec->>'contributor') as contributor,
        case when rec->>'id' ~ '^[0-9]{1,20}:[0-9]{1,9}$' then split_part(rec->>'id', ':', 1)::numeric end as contribution_id,
        case when rec->>'id' ~ '^[0-9]{1,20}:[0-9]{1,9}$' then split_part(rec->>'id', ':', 2)::int end as position,
        case when jsonb_typeof(rec->'score') = 'number' then (rec->>'score')::numeric end as score,
        (
          select coalesce(sum(case when part->>'amount' ~ '^[0-9]{1,78}$' then (part->>'amount')::numeric end), 0)
          from jsonb_array_elements(${array(sql`${inferences.attribution}->'split'`)}) part
          where part->>'role' = 'contributor' and lower(part->>'address') = lower(rec->>'contributor')
        ) as payout
      from ${inferences}
      cross join lateral jsonb_array_elements(${array(sql`${inferences.attribution}->'records'`)}) rec
      where ${inferences.status} = 'settled' and jsonb_typeof(rec) = 'object' ${where ? sql`and ${where}` : sql``}
    ) credit
    where credit.score > 0 and credit.payout > 0 and credit.contribution_id is not null
  )`;
}

/** The inferences of the models that draw on `datanetId`. */
const ofDatanetModels = (datanetId: bigint) =>
  sql`${inferences.modelId} in (select ${modelDatanets.modelId} from ${modelDatanets} where ${modelDatanets.datanetId} = ${datanetId})`;

// ---------------------------------------------------------------- models

/** How models can be ordered. */
export type ModelSort = "relevance" | "popular" | "newest" | "earning" | "price";

/** What to look for among models. */
export interface ModelQuery extends PageWindow {
  /** Words to find in names, tags, descriptions and cards (web-search syntax). */
  q?: string;
  /** Only models that draw on this datanet. */
  datanetId?: bigint;
  /** Only models that draw on a datanet under this licence. */
  license?: string;
  status?: ModelStatus;
  backend?: "builtin" | "openai";
  /** Price per call, inclusive, in token base units. */
  minPrice?: bigint;
  maxPrice?: bigint;
  /** Only models this account (lowercase) owns. */
  owner?: Hex;
  sort: ModelSort;
}

/** A model found, with its independent use. */
export type ModelHit = Model & {
  /** Distinct independent payers of its paid inferences. */
  payerCount: number;
  /** What its independent payers' settled inferences were charged, in token base units. */
  revenue: bigint;
};

/** A page of models matching `query`, and how many match in all. */
export async function searchModels(db: DbOrTransaction, query: ModelQuery): Promise<SearchResult<ModelHit>> {
  const usage = modelUsage(db);
  const q = query.q?.trim() || undefined;
  const where = and(
    q ? matches(models.search, q) : undefined,
    query.datanetId === undefined
      ? undefined
      : sql`exists (select 1 from ${modelDatanets} where ${modelDatanets.modelId} = ${models.id} and ${modelDatanets.datanetId} = ${query.datanetId})`,
    query.license === undefined
      ? undefined
      : sql`exists (select 1 from ${modelDatanets} join ${datanets} on ${datanets.id} = ${modelDatanets.datanetId} where ${modelDatanets.modelId} = ${models.id} and ${datanets.license} = ${query.license})`,
    query.status ? eq(models.status, query.status) : undefined,
    query.backend ? eq(models.backendKind, query.backend) : undefined,
    query.minPrice === undefined ? undefined : gte(models.price, query.minPrice),
    query.maxPrice === undefined ? undefined : lte(models.price, query.maxPrice),
    query.owner === undefined ? undefined : eq(models.owner, query.owner),
  );
  const payerCount = sql<number>`coalesce(${usage.payerCount}, 0)`;
  const revenue = sql`coalesce(${usage.revenue}::numeric, 0)`;
  const order: SQL[] = {
    relevance: q ? [desc(relevance(models.search, q))] : [desc(payerCount)],
    popular: [desc(payerCount)],
    newest: [],
    earning: [desc(revenue)],
    price: [asc(models.price)],
  }[query.sort];
  const [rows, [counted]] = await Promise.all([
    db
      .select({ model: modelColumns, payerCount, revenue: sql<string>`${revenue}::text` })
      .from(models)
      .leftJoin(usage, eq(usage.modelId, models.id))
      .where(where)
      // Ties (and "newest") in on-chain order, newest first: a stable order for paging.
      .orderBy(...order, desc(models.id))
      .limit(query.limit)
      .offset(query.offset),
    db.select({ total: sql<number>`count(*)::int` }).from(models).where(where),
  ]);
  const links = rows.length
    ? await db
        .select()
        .from(modelDatanets)
        .where(
          inArray(
            modelDatanets.modelId,
            rows.map((r) => r.model.id),
          ),
        )
        .orderBy(asc(modelDatanets.datanetId))
    : [];
  return {
    total: counted?.total ?? 0,
    rows: rows.map((r) => ({
      ...r.model,
      datanetIds: links.filter((l) => l.modelId === r.model.id).map((l) => l.datanetId),
      payerCount: Number(r.payerCount),
      revenue: BigInt(r.revenue),
    })),
  };
}

// ---------------------------------------------------------------- datanets

/** How datanets can be ordered. */
export type DatanetSort = "relevance" | "popular" | "newest" | "earning" | "records";

/** What to look for among datanets. */
export interface DatanetQuery extends PageWindow {
  /** Words to find in names, tags and descriptions (web-search syntax). */
  q?: string;
  license?: string;
  /** Only datanets this account (lowercase) published. */
  owner?: Hex;
  sort: DatanetSort;
}

/** A datanet found, with its counts and independent use. */
export type DatanetHit = DatanetSummary & {
  /** Distinct independent payers of the models that draw on it. */
  payerCount: number;
  /** What its records earned from independent payers' settled inferences, in token base units. */
  earned: bigint;
};

/** A page of datanets matching `query`, and how many match in all. */
export async function searchDatanets(db: DbOrTransaction, query: DatanetQuery): Promise<SearchResult<DatanetHit>> {
  const q = query.q?.trim() || undefined;
  const where = and(
    q ? matches(datanets.search, q) : undefined,
    query.license === undefined ? undefined : eq(datanets.license, query.license),
    query.owner === undefined ? undefined : eq(datanets.owner, query.owner),
  );
  const contributionStats = db
    .select({
      datanetId: contributions.datanetId,
      contributionCount: sql<number>`count(*)::int`.as("contribution_count"),
      recordCount: sql<number>`sum(${contributions.recordCount})::int`.as("record_count"),
      contributorCount: sql<number>`count(distinct ${contributions.contributor})::int`.as("contributor_count"),
    })
    .from(contributions)
    .groupBy(contributions.datanetId)
    .as("contribution_stats");
  const payerStats = db
    .select({
      datanetId: modelDatanets.datanetId,
      payerCount: sql<number>`count(distinct ${inferences.payer})::int`.as("payer_count"),
    })
    .from(inferences)
    .innerJoin(modelDatanets, eq(modelDatanets.modelId, inferences.modelId))
    .where(and(sql`${inferences.status} <> 'failed'`, independentPayer(inferences.modelId, inferences.payer)))
    .groupBy(modelDatanets.datanetId)
    .as("payer_stats");
  // Only computed when sorting by it: it reads the proofs of every settled inference.
  const earnedStats =
    query.sort === "earning"
      ? db
          .select({
            datanetId: records.datanetId,
            earned: sql<string>`sum(credit.amount)::text`.as("earned"),
          })
          .from(sql`${recordCredits(independentPayer(inferences.modelId, inferences.payer))} credit`)
          .innerJoin(records, sql`${records.contributionId} = credit.contribution_id and ${records.position} = credit.position`)
          .groupBy(records.datanetId)
          .as("earned_stats")
      : undefined;
  const payerCount = sql<number>`coalesce(${payerStats.payerCount}, 0)`;
  const recordCount = sql<number>`coalesce(${contributionStats.recordCount}, 0)`;
  const earned = earnedStats ? sql<string>`coalesce(${earnedStats.earned}, '0')` : sql<string>`'0'`;
  const order: SQL[] = {
    relevance: q ? [desc(relevance(datanets.search, q))] : [desc(payerCount)],
    popular: [desc(payerCount)],
    newest: [],
    earning: [sql`${earned}::numeric desc`],
    records: [desc(recordCount)],
  }[query.sort];
  let listing = db
    .select({
      datanet: datanetColumns,
      contributionCount: sql<number>`coalesce(${contributionStats.contributionCount}, 0)`,
      recordCount,
      contributorCount: sql<number>`coalesce(${contributionStats.contributorCount}, 0)`,
      payerCount,
      earned,
    })
    .from(datanets)
    .leftJoin(contributionStats, eq(contributionStats.datanetId, datanets.id))
    .leftJoin(payerStats, eq(payerStats.datanetId, datanets.id))
    .$dynamic();
  if (earnedStats) listing = listing.leftJoin(earnedStats, eq(earnedStats.datanetId, datanets.id));
  const [rows, [counted]] = await Promise.all([
    listing
      .where(where)
      .orderBy(...order, desc(datanets.id))
      .limit(query.limit)
      .offset(query.offset),
    db.select({ total: sql<number>`count(*)::int` }).from(datanets).where(where),
  ]);
  return {
    total: counted?.total ?? 0,
    rows: rows.map((r) => ({
      ...r.datanet,
      contributionCount: Number(r.contributionCount),
      recordCount: Number(r.recordCount),
      contributorCount: Number(r.contributorCount),
      payerCount: Number(r.payerCount),
      earned: BigInt(r.earned),
    })),
  };
}

/** Every licence datanets are published under, with how many use it, most used first: the licence filter's choices. */
export async function datanetLicenses(db: DbOrTransaction): Promise<{ license: string; count: number }[]> {
  const rows = await db
    .select({ license: datanets.license, count: sql<number>`count(*)::int` })
    .from(datanets)
    .groupBy(datanets.license)
    .orderBy(sql`count(*) desc`, asc(datanets.license));
  return rows.map((r) => ({ license: r.license, count: Number(r.count) }));
}

/** Every datanet's id and name, in on-chain order: the datanet filter's choices. */
export async function datanetNames(db: DbOrTransaction): Promise<{ id: bigint; name: string }[]> {
  return db.select({ id: datanets.id, name: datanets.name }).from(datanets).orderBy(asc(datanets.id));
}

// ---------------------------------------------------------------- a datanet's records

/** What to look for among a datanet's records. */
export interface RecordQuery extends PageWindow {
  /** Words to find in the records' text (web-search syntax); in on-chain order either way. */
  q?: string;
}

/** Where `ts_headline` marks a match in a record's excerpt: characters no search and no shown text needs. */
export const MATCH_START = "\u0002";
export const MATCH_END = "\u0003";
const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxFragments=3, MaxWords=24, MinWords=8, FragmentDelimiter=" … "`;

/** A record with its contribution and what it earned. */
export type RecordHit = Omit<typeof records.$inferSelect, "search"> & {
  /** With a search: the passages that match, each match between MATCH_START and MATCH_END. */
  headline: string | null;
  /** The anchoring transaction of its contribution. */
  txHash: Hex;
  /** What it earned in settled inferences, in token base units (see {@link recordCredits}). */
  earned: bigint;
  /** Settled inferences that credited it. */
  creditCount: number;
};

/** A page of a datanet's records in on-chain order, matching `query.q` when given, with what each earned. */
export async function searchRecords(db: DbOrTransaction, datanetId: bigint, query: RecordQuery): Promise<SearchResult<RecordHit>> {
  const q = query.q?.trim() || undefined;
  const where = and(eq(records.datanetId, datanetId), q ? matches(records.search, q) : undefined);
  const [rows, [counted]] = await Promise.all([
    db
      .select({
        record: recordColumns,
        txHash: contributions.txHash,
        headline: q ? sql<string>`ts_headline('english', ${records.text}, ${tsquery(q)}, ${HEADLINE_OPTIONS})` : sql<null>`null`,
      })
      .from(records)
      .innerJoin(contributions, eq(contributions.id, records.contributionId))
      .where(where)
      .orderBy(asc(records.contributionId), asc(records.position))
      .limit(query.limit)
      .offset(query.offset),
    db.select({ total: sql<number>`count(*)::int` }).from(records).where(where),
  ]);
  const earnings = new Map<string, { earned: bigint; creditCount: number }>();
  if (rows.length > 0) {
    const keys = sql.join(
      rows.map((r) => sql`(${r.record.contributionId}::numeric, ${r.record.position}::int)`),
      sql`, `,
    );
    const credited = await rowsOf<{ contribution_id: string; position: number; earned: string; credits: number }>(
      db,
      sql`
      select credit.contribution_id::text as contribution_id, credit.position, sum(credit.amount)::text as earned, count(*)::int as credits
      from ${recordCredits(ofDatanetModels(datanetId))} credit
      where (credit.contribution_id, credit.position) in (${keys})
      group by credit.contribution_id, credit.position
    `,
    );
    for (const row of credited) {
      earnings.set(`${row.contribution_id}:${row.position}`, { earned: BigInt(row.earned), creditCount: Number(row.credits) });
    }
  }
  return {
    total: counted?.total ?? 0,
    rows: rows.map((r) => {
      const credit = earnings.get(`${r.record.contributionId}:${r.record.position}`);
      return { ...r.record, txHash: r.txHash, headline: r.headline, earned: credit?.earned ?? 0n, creditCount: credit?.creditCount ?? 0 };
    }),
  };
}

/** One contributor of a datanet: its contributions, records and what they earned. */
export interface DatanetContributorEarnings {
  contributor: Hex;
  contributionCount: number;
  recordCount: number;
  /** What its records in this datanet earned in settled inferences (see {@link recordCredits}). */
  earned: bigint;
}

/** Every contributor of a datanet, most records first (ties: earliest first contribution). */
export async function datanetContributors(db: DbOrTransaction, datanetId: bigint): Promise<DatanetContributorEarnings[]> {
  const result = await rowsOf<{ contributor: Hex; contributions: number; records: number; earned: string }>(
    db,
    sql`
    with earned as (
      select ${records.contributor} as contributor, sum(credit.amount) as amount
      from ${recordCredits(ofDatanetModels(datanetId))} credit
      join ${records} on ${records.contributionId} = credit.contribution_id and ${records.position} = credit.position
      where ${records.datanetId} = ${datanetId}
      group by ${records.contributor}
    )
    select c.contributor, count(*)::int as contributions, sum(c.record_count)::int as records,
      coalesce(max(earned.amount), 0)::text as earned
    from ${contributions} c left join earned on earned.contributor = c.contributor
    where c.datanet_id = ${datanetId}
    group by c.contributor
    order by sum(c.record_count) desc, min(c.id) asc
  `,
  );
  return result.map((r) => ({
    contributor: r.contributor,
    contributionCount: Number(r.contributions),
    recordCount: Number(r.records),
    earned: BigInt(r.earned),
  }));
}

// ---------------------------------------------------------------- an account

/** What an account published and contributed, from the app's database. */
export interface AccountActivity {
  /** The datanets it published, newest first. */
  datanets: DatanetHit[];
  /** The models it owns, newest first. */
  models: ModelHit[];
  /** Its contributions, newest first, with their datanet's name. */
  contributions: (typeof contributions.$inferSelect & { datanetName: string })[];
  /** Records across its contributions. */
  recordCount: number;
  /** What its records earned in settled inferences, by the stored proofs (see {@link recordCredits}). */
  recordEarnings: bigint;
}

/** How many of an account's datanets or models a profile lists at most. */
const ACCOUNT_LISTING = 100;

/** Everything `account` (lowercase) published and contributed. */
export async function accountActivity(db: DbOrTransaction, account: Hex): Promise<AccountActivity> {
  const window = { limit: ACCOUNT_LISTING, offset: 0 };
  const [datanetRows, modelRows, contributionRows, earned] = await Promise.all([
    searchDatanets(db, { ...window, owner: account, sort: "newest" }),
    searchModels(db, { ...window, owner: account, sort: "newest" }),
    db
      .select({ contribution: contributions, datanetName: datanets.name })
      .from(contributions)
      .innerJoin(datanets, eq(datanets.id, contributions.datanetId))
      .where(eq(contributions.contributor, account))
      .orderBy(desc(contributions.id)),
    rowsOf<{ earned: string }>(
      db,
      sql`
      select coalesce(sum(credit.amount), 0)::text as earned
      from ${recordCredits(sql`${inferences.modelId} in (
        select ${modelDatanets.modelId} from ${modelDatanets} join ${contributions} on ${contributions.datanetId} = ${modelDatanets.datanetId}
        where ${contributions.contributor} = ${account}
      )`)} credit
      join ${records} on ${records.contributionId} = credit.contribution_id and ${records.position} = credit.position
      where ${records.contributor} = ${account}
    `,
    ),
  ]);
  return {
    datanets: datanetRows.rows,
    models: modelRows.rows,
    contributions: contributionRows.map((r) => ({ ...r.contribution, datanetName: r.datanetName })),
    recordCount: contributionRows.reduce((sum, r) => sum + r.contribution.recordCount, 0),
    recordEarnings: BigInt(earned[0]?.earned ?? "0"),
  };
}
