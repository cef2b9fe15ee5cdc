/**
 * Holds: the price of a running inference set aside under one permit. `authorize` takes one in a
 * transaction that serialises the payer (an advisory lock) and locks the permit, so concurrent
 * requests never hold more than the permit's cap or the payer's free deposit.
 */
import { and, eq, sql } from "drizzle-orm";
import { getAddress, type Address } from "viem";
import { apiKeys, holds, spendPermits } from "@/db/schema/payments";
import { protocolFee } from "@/lib/chain/settlement";
import { findUsableKey } from "./api-keys";
import { chainTime, lower, type PaymentsContext } from "./context";
import {
  ApiKeyRevokedError,
  HoldClosedError,
  InsufficientBalanceError,
  NotFoundError,
  PermitExhaustedError,
  PermitExpiredError,
  PermitMissingError,
  SpendCapExceededError,
  SplitMismatchError,
} from "./errors";
import type { AuthorizeInput, CommitInferenceInput, CommittedInference, Hold } from "./index";
import { permitsOf } from "./permits";
import { addressSchema, commitInferenceSchema, idSchema, parseInput, priceSchema } from "./schemas";
import { permitUsage } from "./usage";

type PermitRow = typeof spendPermits.$inferSelect;

function toHold(row: typeof holds.$inferSelect): Hold {
  return {
    id: row.id,
    payer: getAddress(row.payer),
    permitId: row.permitId,
    apiKeyId: row.apiKeyId,
    amount: row.amount,
    createdAt: row.createdAt,
  };
}

/** Who pays: the payer, the permits to try in order, and the API key if one was presented. */
async function resolvePayer(
  ctx: PaymentsContext,
  input: AuthorizeInput,
): Promise<{ payer: Address; candidates: PermitRow[]; apiKey?: typeof apiKeys.$inferSelect }> {
  if ("apiKey" in input) {
    const apiKey = await findUsableKey(ctx, input.apiKey);
    const [permit] = await ctx.db.select().from(spendPermits).where(eq(spendPermits.id, apiKey.permitId));
    return { payer: getAddress(apiKey.payer), candidates: permit ? [permit] : [], apiKey };
  }
  const payer = parseInput(addressSchema, input.payer, "payer");
  const all = await permitsOf(ctx, payer);
  if (input.permitId === undefined) return { payer, candidates: all };
  const permitId = parseInput(idSchema, input.permitId, "permit id");
  return { payer, candidates: all.filter((p) => p.id === permitId) };
}

/** Holds `price` for one inference or throws the PaymentError that says why not. */
export async function authorize(ctx: PaymentsContext, input: AuthorizeInput): Promise<Hold> {
  const price = parseInput(priceSchema, input.price, "price");
  const { payer, candidates, apiKey } = await resolvePayer(ctx, input);
  if (candidates.length === 0) {
    throw new PermitMissingError(`no spend permit for ${payer}: sign one for the settler ${ctx.settler}`, { payer });
  }
  const now = await chainTime(ctx);
  const live = candidates.filter((p) => p.expiry > now + ctx.expiryMarginSeconds);
  if (live.length === 0) {
    const latest = candidates.reduce((a, b) => (a.expiry > b.expiry ? a : b));
    throw new PermitExpiredError(`the spend permit expired at ${latest.expiry}: sign a new one`, {
      permitId: latest.id,
      expiry: latest.expiry.toString(),
    });
  }
  const snapshot = await ctx.reader.payer(payer, live.map((p) => p.nonce));

  return ctx.db.transaction(async (tx) => {
    // Lock every permit row of the payer, in one order: authorizations of one payer take turns
    // (the free balance spans all their permits), different payers do not wait for each other.
    await tx
      .select({ id: spendPermits.id })
      .from(spendPermits)
      .where(and(eq(spendPermits.payer, lower(payer)), eq(spendPermits.chainId, ctx.chainId), eq(spendPermits.market, lower(ctx.market))))
      .orderBy(spendPermits.id)
      // NO KEY UPDATE: still one authorization per payer at a time, but it does not block the
      // foreign-key share locks a concurrent commit takes on these rows (which deadlocked).
      .for("no key update");
    const usage = await permitUsage(ctx, tx, payer, live, snapshot.blockNumber, apiKey?.id);
    if (apiKey) {
      const [current] = await tx
        .update(apiKeys)
        .set({ lastUsedAt: sql`now()` })
        .where(eq(apiKeys.id, apiKey.id))
        .returning({ revokedAt: apiKeys.revokedAt, spent: apiKeys.spent });
      if (current.revokedAt) throw new ApiKeyRevokedError(`API key ${apiKey.prefix} was revoked`, { prefix: apiKey.prefix });
      const used = current.spent + usage.keyHeld;
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
    for (const permit of live) {
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
    const free = snapshot.deposit - usage.payerUnsettled - usage.payerHeld;
    if (free < price) {
      throw new InsufficientBalanceError(`free balance ${free > 0n ? free : 0n} is less than the price ${price}: deposit more`, {
        free: (free > 0n ? free : 0n).toString(),
        price: price.toString(),
      });
    }
    const [row] = await tx
      .insert(holds)
      .values({ payer: lower(payer), permitId: chosen.id, apiKeyId: apiKey?.id ?? null, amount: price })
      .returning();
    return toHold(row);
  });
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
 * Stores the inference with its proof and payouts, closes the hold and enqueues the settlement
 * in ONE statement (data-modifying CTEs): either the inference is paid and queued, or nothing
 * changed. The statement only matches a hold that is pending, unexpired, and whose price the
 * payouts plus the protocol fee add up to; otherwise a second read says which check failed.
 */
export async function commit(ctx: PaymentsContext, holdId: string, input: CommitInferenceInput): Promise<CommittedInference> {
  const id = parseInput(idSchema, holdId, "hold id");
  const inference = parseInput(commitInferenceSchema, input, "inference");
  const feeBps = await ctx.reader.feeBps();
  const paid = inference.payouts.reduce((sum, p) => sum + p.amount, 0n);
  const cutoff = new Date(Date.now() - ctx.holdTtlMs).toISOString();
  // One JSON parameter carries the row, so arrays travel the same way through PGlite and pg.
  const doc = JSON.stringify({
    modelId: inference.modelId.toString(),
    prompt: inference.prompt,
    output: inference.output,
    retrievedRecordIds: inference.retrievedRecordIds,
    attribution: toJson(inference.attribution.proof),
    attributionHash: inference.attribution.hash,
    payees: inference.payouts.map((p) => lower(p.payee)),
    amounts: inference.payouts.map((p) => p.amount.toString()),
  });
  const array = (key: string, type: "text" | "numeric") =>
    sql.raw(`array(select e::${type} from jsonb_array_elements_text(d->'${key}') with ordinality as t(e, n) order by n)`);
  const result = (await ctx.db.execute(sql`
    with doc as (select ${doc}::jsonb as d),
    h as (
      update holds set status = 'committed', closed_at = now()
      where id = ${id}::uuid and status = 'pending' and created_at > ${cutoff}::timestamptz
        and amount - div(amount * ${feeBps}, 10000) = ${paid.toString()}::numeric
      returning id, payer, permit_id, api_key_id, amount
    ),
    i as (
      insert into inferences (model_id, payer, permit_id, api_key_id, hold_id, price, prompt, output,
        retrieved_record_ids, attribution, attribution_hash, payees, amounts)
      select (d->>'modelId')::numeric, h.payer, h.permit_id, h.api_key_id, h.id, h.amount, d->>'prompt', d->>'output',
        ${array("retrievedRecordIds", "text")}, d->'attribution', d->>'attributionHash',
        ${array("payees", "text")}, ${array("amounts", "numeric")}
      from h, doc
      returning id, settlement_seq, payer, price, created_at, api_key_id
    ),
    k as (update api_keys set spent = api_keys.spent + i.price from i where api_keys.id = i.api_key_id returning 1),
    o as (insert into outbox (seq, inference_id) select settlement_seq, id from i returning seq)
    select id, settlement_seq, payer, price, created_at from i`)) as unknown as { rows: Record<string, unknown>[] };
  const row = result.rows[0];
  if (!row) await explainRefusedCommit(ctx, id, paid, feeBps);
  return {
    id: row.id as string,
    settlementSeq: BigInt(row.settlement_seq as string),
    payer: getAddress(row.payer as string),
    price: BigInt(row.price as string),
    attributionHash: inference.attribution.hash,
    createdAt: new Date(row.created_at as string),
  };
}

/** Throws the error that says why `commit` matched no hold. */
async function explainRefusedCommit(ctx: PaymentsContext, id: string, paid: bigint, feeBps: number): Promise<never> {
  const [hold] = await ctx.db.select().from(holds).where(eq(holds.id, id));
  if (!hold) throw new NotFoundError(`no hold ${id}`, { holdId: id });
  if (hold.status !== "pending") throw new HoldClosedError(`hold ${id} is already ${hold.status}`, { holdId: id, status: hold.status });
  const fee = protocolFee(hold.amount, feeBps);
  if (paid + fee !== hold.amount) {
    throw new SplitMismatchError(`payouts ${paid} plus the protocol fee ${fee} do not equal the price ${hold.amount}`, {
      price: hold.amount.toString(),
      payouts: paid.toString(),
      fee: fee.toString(),
    });
  }
  throw new HoldClosedError(`hold ${id} expired before the inference completed`, { holdId: id, status: "expired" });
}

/** A proof as JSON data: bigints become decimal strings, as in its canonical JSON. */
function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null, (_key, v) => (typeof v === "bigint" ? v.toString(10) : v)));
}
