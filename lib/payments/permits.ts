/** Registering and listing EIP-712 spend permits. */
import { and, desc, eq } from "drizzle-orm";
import { type Address, getAddress } from "viem";
import { spendPermits } from "@/db/schema/payments";
import { spendPermitDomain, spendPermitTypes, storedPermitTerms } from "@/lib/chain/permit";
import { parseInput } from "@/lib/http";
import { addressSchema } from "@/lib/wire/primitives";
import { chainTime, lower, type PaymentsContext } from "./context";
import { invalidRequest, PermitExpiredError, PermitInvalidError } from "./errors";
import { registerPermitSchema } from "./schemas";
import type { Permit, PermitAccount, PermitUsage } from "./types";
import { permitUsage } from "./usage";

type PermitRow = typeof spendPermits.$inferSelect;

/** The API form of a permit row (no signature). */
export function toPermit(row: PermitRow): Permit {
  return {
    id: row.id,
    payer: getAddress(row.payer),
    spender: getAddress(row.spender),
    chainId: row.chainId,
    market: getAddress(row.market),
    cap: row.cap,
    expiry: row.expiry,
    nonce: row.nonce,
    createdAt: row.createdAt,
  };
}

/**
 * Verifies a signed permit against this chain, market and settler, refuses an expired one or a
 * nonce already used (on chain by another permit, or here), and stores it.
 */
export async function registerPermit(ctx: PaymentsContext, input: unknown): Promise<Permit> {
  const p = parseInput(registerPermitSchema, input, {
    what: "permit",
    refuse: (f) => new PermitInvalidError(`malformed permit: ${f.summary}`, "MALFORMED"),
  });
  if (p.chainId !== undefined && p.chainId !== ctx.chainId) {
    throw new PermitInvalidError(`the permit is for chain ${p.chainId}, this market is on chain ${ctx.chainId}`, "WRONG_CHAIN", {
      chainId: ctx.chainId,
    });
  }
  if (p.market !== undefined && p.market !== ctx.market) {
    throw new PermitInvalidError(`the permit is for market ${p.market}, not ${ctx.market}`, "WRONG_CONTRACT", { market: ctx.market });
  }
  if (p.spender !== ctx.settler) {
    throw new PermitInvalidError(`the permit's spender must be the settler ${ctx.settler}`, "WRONG_SPENDER", { settler: ctx.settler });
  }
  const permit = { payer: p.payer, spender: p.spender, cap: p.cap, expiry: p.expiry, nonce: p.nonce };
  let valid = false;
  try {
    valid = await ctx.publicClient.verifyTypedData({
      address: p.payer,
      domain: spendPermitDomain(ctx.chainId, ctx.market),
      types: spendPermitTypes,
      primaryType: "SpendPermit",
      message: permit,
      signature: p.signature,
    });
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new PermitInvalidError(
      `the signature is not the payer's over this permit on chain ${ctx.chainId}, market ${ctx.market}`,
      "BAD_SIGNATURE",
    );
  }
  const now = await chainTime(ctx);
  if (p.expiry <= now + ctx.expiryMarginSeconds) {
    throw new PermitExpiredError(`the permit expires at ${p.expiry}, too soon to settle anything under it (now ${now})`, {
      expiry: p.expiry.toString(),
    });
  }
  const onChain = await ctx.reader.permitState(p.payer, p.nonce);
  const terms = storedPermitTerms(permit);
  if (onChain.expiry !== 0n && (onChain.cap !== terms.cap || onChain.expiry !== terms.expiry)) {
    throw new PermitInvalidError(`nonce ${p.nonce} was already used on chain by another permit of this payer`, "NONCE_REUSED", {
      nonce: p.nonce.toString(),
    });
  }
  const [row] = await ctx.db
    .insert(spendPermits)
    .values({
      chainId: ctx.chainId,
      market: lower(ctx.market),
      payer: lower(p.payer),
      spender: lower(p.spender),
      cap: p.cap,
      expiry: p.expiry,
      nonce: p.nonce,
      signature: p.signature,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) {
    throw new PermitInvalidError(`nonce ${p.nonce} is already registered for this payer`, "NONCE_REUSED", { nonce: p.nonce.toString() });
  }
  return toPermit(row);
}

/** A payer's permits on this market, newest first. */
export async function permitsOf(ctx: PaymentsContext, payer: Address): Promise<PermitRow[]> {
  return ctx.db
    .select()
    .from(spendPermits)
    .where(and(eq(spendPermits.payer, lower(payer)), eq(spendPermits.chainId, ctx.chainId), eq(spendPermits.market, lower(ctx.market))))
    .orderBy(desc(spendPermits.createdAt), desc(spendPermits.nonce));
}

/** A payer's permits with what is spent, held and left of each. */
export async function listPermits(ctx: PaymentsContext, payerInput: string): Promise<PermitUsage[]> {
  return (await permitAccount(ctx, payerInput)).permits;
}

/** A payer's permits with what is spent, held and left of each, and what the payer owes. */
export async function permitAccount(ctx: PaymentsContext, payerInput: string): Promise<PermitAccount> {
  const { payer } = parseInput(
    addressSchema.transform((payer) => ({ payer })),
    payerInput,
    { what: "payer", refuse: invalidRequest },
  );
  const rows = await permitsOf(ctx, payer);
  if (rows.length === 0) return { permits: [], debt: 0n };
  const snapshot = await ctx.reader.payer(
    payer,
    rows.map((r) => r.nonce),
  );
  const now = await chainTime(ctx);
  const usage = await permitUsage(ctx, ctx.db, payer, rows, snapshot.blockNumber);
  const permits = rows.map((row) => {
    const u = usage.permits.get(row.id)!;
    const spent = snapshot.spentByNonce.get(row.nonce)! + u.unsettled;
    const left = row.cap - spent - u.held;
    return { ...toPermit(row), spent, held: u.held, remaining: left > 0n ? left : 0n, expired: row.expiry <= now };
  });
  return { permits, debt: usage.payerDebt };
}
