/**
 * Holds: the price of a running inference set aside under one permit. `authorize` takes one with
 * the payer's authorizations taking turns (see {@link authorizeBatch}), so concurrent requests
 * never hold more than the permit's cap or the payer's free deposit; `commit` turns it into a
 * stored, queued inference. Both run as group commits: requests that arrive while the previous
 * batch runs share the next one, so a busy gateway does a few statements per batch.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { type Address, getAddress } from "viem";
import type { DbOrTransaction } from "@/db/client";
import { holds, spendPermits } from "@/db/schema/payments";
import { protocolFee } from "@/lib/chain/settlement";
import { parseInput } from "@/lib/http";
import { addressSchema } from "@/lib/wire/primitives";
import { findUsableKey } from "./api-keys";
import type { AcceptedFees, PayerSnapshot } from "./chain-state";
import { type ApiKeyRow, type AuthorizeItem, type CommitItem, chainTime, lower, type PaymentsContext, type PermitRow } from "./context";
import {
  ApiKeyRevokedError,
  HoldClosedError,
  InsufficientBalanceError,
  invalidRequest,
  NotFoundError,
  PayerInDebtError,
  PermitExhaustedError,
  PermitExpiredError,
  PermitMissingError,
  SpendCapExceededError,
  SplitMismatchError,
} from "./errors";
import type { ItemResult } from "./group";
import { permitsOf } from "./permits";
import { commitInferenceSchema, idSchema, priceSchema } from "./schemas";
import type { AuthorizeInput, CommitInferenceInput, CommittedInference, Hold } from "./types";
import { type Usage, usageOf } from "./usage";

/** Who pays: the payer, the permits to try in order, and the API key if one was presented. */
async function resolvePayer(
  ctx: PaymentsContext,
  input: AuthorizeInput,
): Promise<{ payer: Address; candidates: PermitRow[]; apiKey?: ApiKeyRow }> {
  if ("apiKey" in input) {
    const { row, permit } = await findUsableKey(ctx, input.apiKey);
    return { payer: getAddress(row.payer), candidates: permit ? [permit] : [], apiKey: row };
  }
  const payer = parseInput(addressSchema, input.payer, { what: "payer", refuse: invalidRequest });
  const all = await permitsOf(ctx, payer);
  if (input.permitId === undefined) return { payer, candidates: all };
  const permitId = parseInput(idSchema, input.permitId, { what: "permit id", refuse: invalidRequest });
  return { payer, candidates: all.filter((p) => p.id === permitId) };
}

/**
 * Holds `price` for one inference or throws the PaymentError that says why not. Checks that need
 * no lock run here; the rest runs in the next batch ({@link authorizeBatch}) — one per payer, or
 * one for everyone when `ctx.batchBy` is "all" (a single-connection database like PGlite).
 */
export async function authorize(ctx: PaymentsContext, input: AuthorizeInput): Promise<Hold> {
  const price = parseInput(priceSchema, input.price, { what: "price", refuse: invalidRequest });
  const { payer, candidates, apiKey } = await resolvePayer(ctx, input);
  if (candidates.length === 0) {
    throw new PermitMissingError(`no spend permit for ${payer}: sign one for the settler ${ctx.settler}`, { payer });
  }
  // The answer may be committed up to a hold's life from now and wait a settlement window for its
  // batch: a permit that expires before then would let it settle as PermitExpired, free.
  const now = await chainTime(ctx);
  const mustLiveUntil = now + BigInt(Math.ceil(ctx.holdTtlMs / 1000)) + ctx.settlementWindowSeconds;
  const live = candidates.filter((p) => p.expiry >= mustLiveUntil);
  if (live.length === 0) {
    const latest = candidates.reduce((a, b) => (a.expiry > b.expiry ? a : b));
    const when = latest.expiry <= now ? `expired at ${latest.expiry}` : `expires at ${latest.expiry}`;
    throw new PermitExpiredError(
      `the spend permit ${when}; an inference needs one that lives until ${mustLiveUntil} to settle: sign a new one`,
      { permitId: latest.id, expiry: latest.expiry.toString(), mustLiveUntil: mustLiveUntil.toString() },
    );
  }
  return ctx.batches.authorize.run(ctx.batchBy === "all" ? "all" : lower(payer), { payer, price, live, apiKey });
}

/**
 * Decides a batch of authorizations: reads what is spent and held for every payer of the batch
 * in one statement, takes the items in arrival order — each one sees the holds granted before
 * it — and inserts every granted hold in one statement. A refused item changes nothing.
 *
 * Nothing else may grant holds to these payers between the read and the insert. Batched "all"
 * (one process owns the database, as with PGlite) that is the runner itself: one batch at a time.
 * Batched per payer, a transaction first locks every permit row of the batch's payers, in one
 * order, so batches sharing a payer — in this process or another — take turns, and the rest do
 * not wait. A commit or release in between only moves an amount from held to spent or frees
 * it, so the read never under-counts.
 */
export async function authorizeBatch(ctx: PaymentsContext, items: readonly AuthorizeItem[]): Promise<ItemResult<Hold>[]> {
  const payers = [...new Set(items.map((item) => item.payer))];
  const groups = await Promise.all(
    payers.map(async (payer) => {
      const mine = items.filter((item) => item.payer === payer);
      const permits = uniqueBy(
        mine.flatMap((item) => item.live),
        (p) => p.id,
      );
      const apiKeyIds = [...new Set(mine.flatMap((item) => (item.apiKey ? [item.apiKey.id] : [])))];
      const snapshot = await ctx.reader.payer(
        payer,
        permits.map((p) => p.nonce),
      );
      return { payer, permits, apiKeyIds, snapshot, blockNumber: snapshot.blockNumber };
    }),
  );
  const snapshots = new Map(groups.map((g) => [g.payer, g.snapshot]));

  const decideAndHold = async (db: DbOrTransaction): Promise<ItemResult<Hold>[]> => {
    const usages = await usageOf(ctx, db, groups);
    const results: ItemResult<Hold>[] = [];
    const granted: { index: number; hold: GrantedHold }[] = [];
    for (const [index, item] of items.entries()) {
      const usage = usages.get(lower(item.payer))!;
      try {
        const permit = decide(item, usage, snapshots.get(item.payer)!);
        usage.payerHeld += item.price;
        usage.permits.get(permit.id)!.held += item.price;
        if (item.apiKey) usage.keys.get(item.apiKey.id)!.held += item.price;
        granted.push({
          index,
          hold: {
            id: randomUUID(),
            payer: lower(item.payer),
            permitId: permit.id,
            apiKeyId: item.apiKey?.id ?? null,
            amount: item.price.toString(),
          },
        });
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
    if (granted.length > 0) {
      const rows = await insertHolds(
        db,
        granted.map((g) => g.hold),
      );
      for (const g of granted) results[g.index] = { ok: true, value: rows.get(g.hold.id)! };
    }
    return results;
  };

  if (ctx.batchBy === "all") return decideAndHold(ctx.db);
  return ctx.db.transaction(async (tx) => {
    await tx
      .select({ id: spendPermits.id })
      .from(spendPermits)
      .where(
        and(
          inArray(spendPermits.payer, payers.map(lower)),
          eq(spendPermits.chainId, ctx.chainId),
          eq(spendPermits.market, lower(ctx.market)),
        ),
      )
      .orderBy(spendPermits.id)
      // NO KEY UPDATE: batches of one payer take turns, but it does not block the foreign-key
      // share locks a concurrent commit takes on these rows (which deadlocked).
      .for("no key update");
    return decideAndHold(tx);
  });
}

type GrantedHold = { id: string; payer: string; permitId: string; apiKeyId: string | null; amount: string };

/** Inserts the granted holds and marks their API keys used, in one statement. */
async function insertHolds(db: DbOrTransaction, granted: readonly GrantedHold[]): Promise<Map<string, Hold>> {
  const result = (await db.execute(sql`
    with ins as (
      insert into holds (id, payer, permit_id, api_key_id, amount)
      select id, payer, "permitId", "apiKeyId", amount
      from jsonb_to_recordset(${JSON.stringify(granted)}::jsonb) as x(id uuid, payer text, "permitId" uuid, "apiKeyId" uuid, amount numeric)
      returning id, payer, permit_id, api_key_id, amount, created_at
    ),
    used as (update api_keys set last_used_at = now() where id in (select api_key_id from ins) returning 1)
    select id, payer, permit_id, api_key_id, amount, created_at from ins`)) as unknown as { rows: Record<string, unknown>[] };
  return new Map(
    result.rows.map((row) => [
      row.id as string,
      {
        id: row.id as string,
        payer: getAddress(row.payer as string),
        permitId: row.permit_id as string,
        apiKeyId: (row.api_key_id as string | null) ?? null,
        amount: BigInt(row.amount as string),
        createdAt: new Date(row.created_at as string),
      },
    ]),
  );
}

/** The permit one item is held under, given what the batch has granted so far; or the refusal. */
function decide(item: AuthorizeItem, usage: Usage, snapshot: PayerSnapshot): PermitRow {
  const { price, apiKey } = item;
  if (apiKey) {
    const current = usage.keys.get(apiKey.id);
    if (!current || current.revokedAt) throw new ApiKeyRevokedError(`API key ${apiKey.prefix} was revoked`, { prefix: apiKey.prefix });
    const used = current.spent + current.held;
    if (used + price > apiKey.spendCap) {
      throw new SpendCapExceededError(`API key ${apiKey.prefix} may spend ${apiKey.spendCap} in all; ${used} is spent or held`, {
        spendCap: apiKey.spendCap.toString(),
        used: used.toString(),
        price: price.toString(),
      });
    }
  }
  let chosen: PermitRow | undefined;
  let bestRemaining = 0n;
  for (const permit of item.live) {
    const taken = usage.permits.get(permit.id)!;
    const remaining = permit.cap - snapshot.spentByNonce.get(permit.nonce)! - taken.unsettled - taken.held;
    if (remaining >= price) {
      chosen = permit;
      break;
    }
    if (remaining > bestRemaining) bestRemaining = remaining;
  }
  if (!chosen) {
    throw new PermitExhaustedError(`the spend permit has ${bestRemaining} left, the price is ${price}: sign a new permit`, {
      remaining: bestRemaining.toString(),
      price: price.toString(),
    });
  }
  // A pending withdrawal request is taken off from the moment it is made: once ready it may leave
  // before the batch that would charge this hold lands (the market then skips it).
  const free = snapshot.deposit - snapshot.pendingWithdrawal - usage.payerUnsettled - usage.payerHeld - usage.payerDebt;
  if (free < price && usage.payerDebt > 0n) {
    const owed = usage.payerDebt;
    throw new PayerInDebtError(
      `the payer owes ${owed} for inferences the market could not charge: deposit enough to cover it and the price ${price}`,
      {
        debt: owed.toString(),
        free: (free > 0n ? free : 0n).toString(),
        price: price.toString(),
      },
    );
  }
  if (free < price) {
    const pending = snapshot.pendingWithdrawal;
    const advice = pending > 0n ? `a withdrawal of ${pending} is pending: cancel it or deposit more` : "deposit more";
    throw new InsufficientBalanceError(`free balance ${free > 0n ? free : 0n} is less than the price ${price}: ${advice}`, {
      free: (free > 0n ? free : 0n).toString(),
      price: price.toString(),
      ...(pending > 0n ? { pendingWithdrawal: pending.toString() } : {}),
    });
  }
  return chosen;
}

function uniqueBy<T>(values: readonly T[], key: (value: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const v of values) if (!seen.has(key(v))) seen.set(key(v), v);
  return [...seen.values()];
}

/** Drops a pending hold so nothing is charged. A closed or unknown hold is left as it is. */
export async function release(ctx: PaymentsContext, holdId: string): Promise<void> {
  if (!idSchema.safeParse(holdId).success) return;
  await ctx.db
    .update(holds)
    .set({ status: "released", closedAt: sql`now()` })
    .where(and(eq(holds.id, holdId), eq(holds.status, "pending")));
}

/**
 * Stores the inference with its proof and payouts, closes the hold and enqueues the settlement,
 * atomically. Commits that arrive together run as one statement ({@link commitBatch}).
 */
export async function commit(ctx: PaymentsContext, holdId: string, input: CommitInferenceInput): Promise<CommittedInference> {
  const id = parseInput(idSchema, holdId, { what: "hold id", refuse: invalidRequest });
  const inference = parseInput(commitInferenceSchema, input, { what: "inference", refuse: invalidRequest });
  const feeBps = await ctx.reader.fees();
  const paid = inference.payouts.reduce((sum, p) => sum + p.amount, 0n);
  return ctx.batches.commit.run({ holdId: id, inference, paid, feeBps });
}

/**
 * Commits a batch in ONE statement (data-modifying CTEs): for every item whose hold is pending,
 * unexpired, and whose price the payouts plus the protocol fee add up to, the hold is closed, the
 * inference stored, its API key's spending counted and its settlement queued — all of them or,
 * if the statement fails, none. An item the statement did not match gets the error that says
 * why; if the statement itself fails, each item is retried alone so one bad item fails alone.
 */
export async function commitBatch(ctx: PaymentsContext, items: readonly CommitItem[]): Promise<ItemResult<CommittedInference>[]> {
  // A hold twice in one batch: the later ones go alone, after (the second finds the hold closed).
  const seen = new Set<string>();
  const first = new Set(items.filter((item) => !seen.has(item.holdId) && seen.add(item.holdId)));
  let rows: Map<string, Record<string, unknown>>;
  try {
    rows = await commitStatement(ctx, [...first]);
  } catch (error) {
    if (items.length === 1) return [{ ok: false, error }];
    const alone: ItemResult<CommittedInference>[] = [];
    for (const item of items) alone.push((await commitBatch(ctx, [item]))[0]);
    return alone;
  }
  const results: ItemResult<CommittedInference>[] = [];
  for (const item of items) {
    if (!first.has(item)) {
      results.push((await commitBatch(ctx, [item]))[0]);
      continue;
    }
    const row = rows.get(item.holdId);
    if (row) {
      results.push({
        ok: true,
        value: {
          id: row.id as string,
          settlementSeq: BigInt(row.settlement_seq as string),
          payer: getAddress(row.payer as string),
          price: BigInt(row.price as string),
          attributionHash: item.inference.attribution.hash,
          createdAt: new Date(row.created_at as string),
        },
      });
    } else {
      results.push({
        ok: false,
        error: await explainRefusedCommit(ctx, item.holdId, item.paid, item.feeBps).catch((error: unknown) => error),
      });
    }
  }
  return results;
}

/** The batch's statement; returns the stored inferences by hold id. */
async function commitStatement(ctx: PaymentsContext, items: readonly CommitItem[]): Promise<Map<string, Record<string, unknown>>> {
  const cutoff = new Date(Date.now() - ctx.holdTtlMs).toISOString();
  // One JSON parameter carries the rows, so arrays travel the same way through PGlite and pg;
  // bigints in a proof become decimal strings, as in its canonical JSON.
  const docs = JSON.stringify(
    items.map(({ holdId, inference, paid, feeBps }) => ({
      holdId,
      paid,
      feeBps: feeBps.current,
      previousFeeBps: feeBps.previous,
      modelId: inference.modelId,
      prompt: inference.prompt,
      output: inference.output,
      retrievedRecordIds: inference.retrievedRecordIds,
      attribution: inference.attribution.proof,
      attributionHash: inference.attribution.hash,
      payees: inference.payouts.map((p) => lower(p.payee)),
      amounts: inference.payouts.map((p) => p.amount),
    })),
    (_key, v) => (typeof v === "bigint" ? v.toString(10) : v),
  );
  const array = (key: string, type: "text" | "numeric") =>
    sql.raw(`array(select e::${type} from jsonb_array_elements_text(doc.d->'${key}') with ordinality as t(e, n) order by n)`);
  const result = (await ctx.db.execute(sql`
    with doc as (select d, n from jsonb_array_elements(${docs}::jsonb) with ordinality as t(d, n)),
    h as (
      update holds set status = 'committed', closed_at = now()
      from doc
      where holds.id = (doc.d->>'holdId')::uuid and holds.status = 'pending' and holds.created_at > ${cutoff}::timestamptz
        and (doc.d->>'paid')::numeric in (
          holds.amount - div(holds.amount * (doc.d->>'feeBps')::numeric, 10000),
          holds.amount - div(holds.amount * (doc.d->>'previousFeeBps')::numeric, 10000))
      returning holds.id, holds.payer, holds.permit_id, holds.api_key_id, holds.amount, doc.n
    ),
    i as (
      insert into inferences (model_id, payer, permit_id, api_key_id, hold_id, price, prompt, output,
        retrieved_record_ids, attribution, attribution_hash, payees, amounts)
      select (doc.d->>'modelId')::numeric, h.payer, h.permit_id, h.api_key_id, h.id, h.amount, doc.d->>'prompt', doc.d->>'output',
        ${array("retrievedRecordIds", "text")}, doc.d->'attribution', doc.d->>'attributionHash',
        ${array("payees", "text")}, ${array("amounts", "numeric")}
      from h join doc on doc.n = h.n
      order by h.n
      returning id, hold_id, settlement_seq, payer, price, created_at, api_key_id
    ),
    k as (
      update api_keys set spent = api_keys.spent + s.total
      from (select api_key_id, sum(price) as total from i where api_key_id is not null group by api_key_id) s
      where api_keys.id = s.api_key_id
      returning 1
    ),
    o as (insert into outbox (seq, inference_id) select settlement_seq, id from i returning seq)
    select id, hold_id, settlement_seq, payer, price, created_at from i`)) as unknown as { rows: Record<string, unknown>[] };
  return new Map(result.rows.map((row) => [row.hold_id as string, row]));
}

/** Throws the error that says why `commit` matched no hold. */
async function explainRefusedCommit(ctx: PaymentsContext, id: string, paid: bigint, feeBps: AcceptedFees): Promise<never> {
  const [hold] = await ctx.db.select().from(holds).where(eq(holds.id, id));
  if (!hold) throw new NotFoundError(`no hold ${id}`, { holdId: id });
  if (hold.status !== "pending") throw new HoldClosedError(`hold ${id} is already ${hold.status}`, { holdId: id, status: hold.status });
  const fee = protocolFee(hold.amount, feeBps.current);
  if (paid + fee !== hold.amount && paid + protocolFee(hold.amount, feeBps.previous) !== hold.amount) {
    throw new SplitMismatchError(`payouts ${paid} plus the protocol fee ${fee} do not equal the price ${hold.amount}`, {
      price: hold.amount.toString(),
      payouts: paid.toString(),
      fee: fee.toString(),
    });
  }
  throw new HoldClosedError(`hold ${id} expired before the inference completed`, { holdId: id, status: "expired" });
}
