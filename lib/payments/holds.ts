/**
 * Holds: the price of a running inference set aside under one permit. `authorize` takes one in a
 * transaction that serialises the payer (an advisory lock) and locks the permit, so concurrent
 * requests never hold more than the permit's cap or the payer's free deposit.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { getAddress, type Address } from "viem";
import { apiKeys, holds, inferences, outbox, spendPermits } from "@/db/schema/payments";
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
import { keyHeld, permitUsage } from "./usage";

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
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${lower(payer)}, 0))`);
    await tx.select({ id: spendPermits.id }).from(spendPermits).where(inArray(spendPermits.id, live.map((p) => p.id))).for("update");
    if (apiKey) {
      const [current] = await tx.select({ revokedAt: apiKeys.revokedAt, spent: apiKeys.spent }).from(apiKeys).where(eq(apiKeys.id, apiKey.id));
      if (current.revokedAt) throw new ApiKeyRevokedError(`API key ${apiKey.prefix} was revoked`, { prefix: apiKey.prefix });
      const used = current.spent + (await keyHeld(ctx, tx, apiKey.id));
      if (used + price > apiKey.spendCap) {
        throw new SpendCapExceededError(`API key ${apiKey.prefix} may spend ${apiKey.spendCap} in all; ${used} is spent or held`, {
          spendCap: apiKey.spendCap.toString(),
          used: used.toString(),
          price: price.toString(),
        });
      }
    }
    const usage = await permitUsage(ctx, tx, payer, live, snapshot.blockNumber);
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
    if (apiKey) await tx.update(apiKeys).set({ lastUsedAt: sql`now()` }).where(eq(apiKeys.id, apiKey.id));
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
 * Stores the inference with its proof and payouts, closes the hold and enqueues the settlement,
 * all in one transaction: either the inference is paid and queued, or nothing happened.
 */
export async function commit(ctx: PaymentsContext, holdId: string, input: CommitInferenceInput): Promise<CommittedInference> {
  const id = parseInput(idSchema, holdId, "hold id");
  const inference = parseInput(commitInferenceSchema, input, "inference");
  const feeBps = await ctx.reader.feeBps();
  return ctx.db.transaction(async (tx) => {
    const [hold] = await tx.select().from(holds).where(eq(holds.id, id)).for("update");
    if (!hold) throw new NotFoundError(`no hold ${id}`, { holdId: id });
    if (hold.status !== "pending") throw new HoldClosedError(`hold ${id} is already ${hold.status}`, { holdId: id, status: hold.status });
    if (hold.createdAt.getTime() < Date.now() - ctx.holdTtlMs) {
      throw new HoldClosedError(`hold ${id} expired before the inference completed`, { holdId: id, status: "expired" });
    }
    const price = hold.amount;
    const paid = inference.payouts.reduce((sum, p) => sum + p.amount, 0n);
    const fee = protocolFee(price, feeBps);
    if (paid + fee !== price) {
      throw new SplitMismatchError(`payouts ${paid} plus the protocol fee ${fee} do not equal the price ${price}`, {
        price: price.toString(),
        payouts: paid.toString(),
        fee: fee.toString(),
      });
    }
    const [row] = await tx
      .insert(inferences)
      .values({
        modelId: inference.modelId,
        payer: hold.payer,
        permitId: hold.permitId,
        apiKeyId: hold.apiKeyId,
        holdId: hold.id,
        price,
        prompt: inference.prompt,
        output: inference.output,
        retrievedRecordIds: [...inference.retrievedRecordIds],
        attribution: toJson(inference.attribution.proof),
        attributionHash: inference.attribution.hash,
        payees: inference.payouts.map((p) => lower(p.payee)),
        amounts: inference.payouts.map((p) => p.amount),
      })
      .returning({ id: inferences.id, settlementSeq: inferences.settlementSeq, createdAt: inferences.createdAt });
    await tx.update(holds).set({ status: "committed", closedAt: sql`now()` }).where(eq(holds.id, hold.id));
    if (hold.apiKeyId) {
      await tx.update(apiKeys).set({ spent: sql`${apiKeys.spent} + ${price.toString()}::numeric` }).where(eq(apiKeys.id, hold.apiKeyId));
    }
    await tx.insert(outbox).values({ seq: row.settlementSeq, inferenceId: row.id });
    return {
      id: row.id,
      settlementSeq: row.settlementSeq,
      payer: getAddress(hold.payer),
      price,
      attributionHash: inference.attribution.hash,
      createdAt: row.createdAt,
    };
  });
}

/** A proof as JSON data: bigints become decimal strings, as in its canonical JSON. */
function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null, (_key, v) => (typeof v === "bigint" ? v.toString(10) : v)));
}
