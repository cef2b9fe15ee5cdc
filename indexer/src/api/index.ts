/**
 * The indexer's JSON API, read by lib/indexer/client.ts. uint256 values are decimal strings;
 * the body shapes are `Wire<...>` from lib/indexer/wire.ts. Ponder serves /health, /ready and
 * /status itself; /sql/* is Ponder's SQL-over-HTTP client endpoint (read-only, live queries).
 */
import { db } from "ponder:api";
import schema from "ponder:schema";
import { type Context, Hono } from "hono";
import { and, asc, client, count, desc, eq, lt } from "ponder";
import { z } from "zod";
import { MAX_PAGE, type Wire } from "../../../lib/indexer/wire";
import { decimalUint256Schema } from "../../../lib/wire/primitives";

const app = new Hono();
app.use("/sql/*", client({ db, schema }));

const s = (value: bigint) => value.toString();
const sn = (value: bigint | null) => (value === null ? null : value.toString());

const uintParam = decimalUint256Schema;
const addressParam = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((v) => v.toLowerCase() as `0x${string}`);
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  before: uintParam.optional(),
});

function fail(c: Context, status: 400 | 404, code: string, message: string) {
  const body: Wire<"error"> = { error: { code, message } };
  return c.json(body, status);
}

/** Parses a route input or answers 400 naming the parameter. */
function parse<T>(c: Context, name: string, schemaOf: z.ZodType<T>, value: unknown): T | Response {
  const parsed = schemaOf.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${name}.${issue.path.join(".")}` : name;
  return fail(c, 400, "BAD_REQUEST", `${where}: ${issue?.message ?? "invalid"}`);
}

function datanetJson(row: typeof schema.datanet.$inferSelect): Wire<"datanet">["datanet"] {
  return {
    ...row,
    id: s(row.id),
    stake: s(row.stake),
    recordCount: s(row.recordCount),
    createdAt: s(row.createdAt),
    blockNumber: s(row.blockNumber),
  };
}

function modelJson(row: typeof schema.model.$inferSelect): Wire<"model">["model"] {
  return {
    ...row,
    id: s(row.id),
    datanetIds: row.datanetIds.map(s),
    pricePerCall: s(row.pricePerCall),
    stake: s(row.stake),
    revenue: s(row.revenue),
    createdAt: s(row.createdAt),
    updatedAt: s(row.updatedAt),
    blockNumber: s(row.blockNumber),
  };
}

function settlementJson(row: typeof schema.settlement.$inferSelect): Wire<"settlements">["settlements"][number] {
  const { ordinal, ...rest } = row;
  return {
    ...rest,
    inferenceId: s(row.inferenceId),
    permitNonce: s(row.permitNonce),
    modelId: s(row.modelId),
    price: s(row.price),
    fee: s(row.fee),
    cursor: s(ordinal),
    createdAt: s(row.createdAt),
    blockNumber: s(row.blockNumber),
  };
}

/** Rows of a page fetched with limit + 1: the page, and the cursor of its last row if more follow. */
function page<T extends { ordinal: bigint }>(rows: T[], limit: number): { rows: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { rows: kept, nextCursor: more ? s(kept[kept.length - 1]!.ordinal) : null };
}

app.get("/datanets", async (c) => {
  const rows = await db.select().from(schema.datanet).orderBy(asc(schema.datanet.id));
  const body: Wire<"datanets"> = { datanets: rows.map(datanetJson) };
  return c.json(body);
});

app.get("/datanets/:id", async (c) => {
  const id = parse(c, "id", uintParam, c.req.param("id"));
  if (id instanceof Response) return id;
  const [row] = await db.select().from(schema.datanet).where(eq(schema.datanet.id, id));
  if (!row) return fail(c, 404, "DATANET_NOT_FOUND", `datanet ${id} is not indexed`);
  const contributions = await db
    .select()
    .from(schema.contribution)
    .where(eq(schema.contribution.datanetId, id))
    .orderBy(asc(schema.contribution.id));
  const contributors = await db
    .select()
    .from(schema.datanetContributor)
    .where(eq(schema.datanetContributor.datanetId, id))
    .orderBy(desc(schema.datanetContributor.recordCount));
  const body: Wire<"datanet"> = {
    datanet: datanetJson(row),
    contributions: contributions.map((r) => ({
      ...r,
      id: s(r.id),
      datanetId: s(r.datanetId),
      recordCount: s(r.recordCount),
      firstRecordId: s(r.firstRecordId),
      createdAt: s(r.createdAt),
      blockNumber: s(r.blockNumber),
    })),
    contributors: contributors.map((r) => ({
      contributor: r.contributor,
      contributionCount: r.contributionCount,
      recordCount: s(r.recordCount),
    })),
  };
  return c.json(body);
});

app.get("/models", async (c) => {
  const rows = await db.select().from(schema.model).orderBy(asc(schema.model.id));
  const body: Wire<"models"> = { models: rows.map(modelJson) };
  return c.json(body);
});

app.get("/models/:id", async (c) => {
  const id = parse(c, "id", uintParam, c.req.param("id"));
  if (id instanceof Response) return id;
  const [row] = await db.select().from(schema.model).where(eq(schema.model.id, id));
  if (!row) return fail(c, 404, "MODEL_NOT_FOUND", `model ${id} is not indexed`);
  const versions = await db
    .select()
    .from(schema.modelVersion)
    .where(eq(schema.modelVersion.modelId, id))
    .orderBy(asc(schema.modelVersion.version));
  const body: Wire<"model"> = {
    model: modelJson(row),
    versions: versions.map(({ modelId: _, ...v }) => ({
      ...v,
      pricePerCall: s(v.pricePerCall),
      createdAt: s(v.createdAt),
      blockNumber: s(v.blockNumber),
    })),
  };
  return c.json(body);
});

app.get("/payees/:address/earnings", async (c) => {
  const address = parse(c, "address", addressParam, c.req.param("address"));
  if (address instanceof Response) return address;
  const query = parse(c, "query", pageQuery, c.req.query());
  if (query instanceof Response) return query;
  const [row] = await db.select().from(schema.payee).where(eq(schema.payee.address, address));
  const rows = await db
    .select()
    .from(schema.credit)
    .where(and(eq(schema.credit.payee, address), query.before === undefined ? undefined : lt(schema.credit.ordinal, query.before)))
    .orderBy(desc(schema.credit.ordinal))
    .limit(query.limit + 1);
  const { rows: credits, nextCursor } = page(rows, query.limit);
  const earned = row?.earned ?? 0n;
  const claimed = row?.claimed ?? 0n;
  const body: Wire<"earnings"> = {
    earnings: {
      payee: address,
      earned: s(earned),
      claimed: s(claimed),
      claimable: s(earned - claimed),
      inferenceCount: row?.inferenceCount ?? 0,
      lastCreditAt: sn(row?.lastCreditAt ?? null),
    },
    credits: credits.map((r) => ({
      inferenceId: s(r.inferenceId),
      modelId: s(r.modelId),
      amount: s(r.amount),
      cursor: s(r.ordinal),
      createdAt: s(r.createdAt),
      txHash: r.txHash,
    })),
    nextCursor,
  };
  return c.json(body);
});

app.get("/inferences/:id/settlement", async (c) => {
  const id = parse(c, "id", uintParam, c.req.param("id"));
  if (id instanceof Response) return id;
  const [row] = await db.select().from(schema.settlement).where(eq(schema.settlement.inferenceId, id));
  if (!row) return fail(c, 404, "SETTLEMENT_NOT_FOUND", `inference ${id} has no indexed settlement`);
  const credits = await db.select().from(schema.credit).where(eq(schema.credit.inferenceId, id)).orderBy(asc(schema.credit.ordinal));
  const body: Wire<"settlement"> = {
    settlement: { ...settlementJson(row), payouts: credits.map((r) => ({ payee: r.payee, amount: s(r.amount) })) },
  };
  return c.json(body);
});

app.get("/settlements", async (c) => {
  const query = parse(c, "query", pageQuery.extend({ model: uintParam.optional(), payer: addressParam.optional() }), c.req.query());
  if (query instanceof Response) return query;
  const t = schema.settlement;
  const rows = await db
    .select()
    .from(t)
    .where(
      and(
        query.before === undefined ? undefined : lt(t.ordinal, query.before),
        query.model === undefined ? undefined : eq(t.modelId, query.model),
        query.payer === undefined ? undefined : eq(t.payer, query.payer),
      ),
    )
    .orderBy(desc(t.ordinal))
    .limit(query.limit + 1);
  const { rows: settlements, nextCursor } = page(rows, query.limit);
  const body: Wire<"settlements"> = { settlements: settlements.map(settlementJson), nextCursor };
  return c.json(body);
});

app.get("/payers/:address/deposit", async (c) => {
  const address = parse(c, "address", addressParam, c.req.param("address"));
  if (address instanceof Response) return address;
  const [row] = await db.select().from(schema.payer).where(eq(schema.payer.address, address));
  const withdrawal =
    row?.withdrawalAmount != null && row.withdrawalReadyAt != null
      ? { amount: s(row.withdrawalAmount), readyAt: s(row.withdrawalReadyAt) }
      : null;
  const body: Wire<"deposit"> = {
    deposit: {
      payer: address,
      balance: s(row?.balance ?? 0n),
      deposited: s(row?.deposited ?? 0n),
      withdrawn: s(row?.withdrawn ?? 0n),
      charged: s(row?.charged ?? 0n),
      withdrawal,
    },
  };
  return c.json(body);
});

app.get("/permits/:payer/:nonce", async (c) => {
  const payer = parse(c, "payer", addressParam, c.req.param("payer"));
  if (payer instanceof Response) return payer;
  const nonce = parse(c, "nonce", uintParam, c.req.param("nonce"));
  if (nonce instanceof Response) return nonce;
  const [row] = await db
    .select()
    .from(schema.permitSpend)
    .where(and(eq(schema.permitSpend.payer, payer), eq(schema.permitSpend.nonce, nonce)));
  const body: Wire<"permit"> = { permit: { payer, nonce: s(nonce), spent: s(row?.spent ?? 0n), cap: s(row?.cap ?? 0n) } };
  return c.json(body);
});

app.get("/stats", async (c) => {
  const [datanets] = await db.select({ n: count() }).from(schema.datanet);
  const [models] = await db.select({ n: count() }).from(schema.model);
  const [contributions] = await db.select({ n: count() }).from(schema.contribution);
  const [market] = await db.select().from(schema.protocol).where(eq(schema.protocol.contract, "market"));
  const body: Wire<"stats"> = {
    stats: {
      datanets: datanets?.n ?? 0,
      models: models?.n ?? 0,
      contributions: contributions?.n ?? 0,
      settledInferences: market?.settledCount ?? 0,
      volume: s(market?.volume ?? 0n),
      feesAccrued: s(market?.feesAccrued ?? 0n),
      feesCollected: s(market?.feesCollected ?? 0n),
      feeBps: market?.feeBps ?? null,
    },
  };
  return c.json(body);
});

app.notFound((c) => fail(c, 404, "ROUTE_NOT_FOUND", `no route ${c.req.method} ${c.req.path}`));

export default app;
