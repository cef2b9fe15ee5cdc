/**
 * API keys for programmatic clients: created after the payer signs a message naming the permit
 * and the cap, shown once, stored as a sha-256 with a visible prefix, listed and revocable.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import { type Address, getAddress, type Hex, parseSignature } from "viem";
import { apiKeys, spendPermits } from "@/db/schema/payments";
import { parseInput } from "@/lib/http";
import { addressSchema } from "@/lib/wire/primitives";
import { type ApiKeyRow, chainTime, lower, type PaymentsContext, type PermitRow } from "./context";
import { ApiKeyInvalidError, ApiKeyRevokedError, invalidRequest, NotFoundError, PermitExpiredError } from "./errors";
import { apiKeyCreationMessage, apiKeyRevocationMessage, issuedAtOf } from "./messages";
import { createApiKeySchema, idSchema, revokeApiKeySchema } from "./schemas";
import type { ApiKey, CreatedApiKey } from "./types";

/** A creation message older than this is refused. */
const MESSAGE_MAX_AGE_MS = 10 * 60_000;
/** Tolerated clock skew of a wallet ahead of the server. */
const MESSAGE_MAX_SKEW_MS = 2 * 60_000;
/** Keys look like `upk_<8 hex>_<32 base64url>`; the first part is the visible prefix. */
const KEY_PATTERN = /^(upk_[0-9a-f]{8})_[A-Za-z0-9_-]{32}$/;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The API form of a key row. */
function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    payer: getAddress(row.payer),
    permitId: row.permitId,
    prefix: row.prefix,
    label: row.label,
    spendCap: row.spendCap,
    spent: row.spent,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/**
 * A fingerprint of a signature that is the same for its malleable twin (s and n − s), so one
 * signed message can create at most one key.
 */
function signatureFingerprint(signature: Hex): string {
  if (signature.length !== 132) return sha256(signature);
  const { r, s } = parseSignature(signature);
  const sValue = BigInt(s);
  const low = sValue > SECP256K1_N / 2n ? SECP256K1_N - sValue : sValue;
  return sha256(`${r}:${low.toString(16)}`);
}

async function verifyPayerSignature(ctx: PaymentsContext, payer: Address, message: string, signature: Hex): Promise<boolean> {
  try {
    return await ctx.publicClient.verifyMessage({ address: payer, message, signature });
  } catch {
    return false;
  }
}

/** Creates a key after checking the signed message names exactly this payer, permit, cap and label. */
export async function createApiKey(ctx: PaymentsContext, input: unknown): Promise<CreatedApiKey> {
  const body = parseInput(createApiKeySchema, input, { what: "API key request", refuse: invalidRequest });
  const issuedAt = issuedAtOf(body.message);
  const expected = issuedAt && apiKeyCreationMessage({ ...body, issuedAt });
  if (!issuedAt || body.message !== expected) {
    throw new ApiKeyInvalidError("the signed message does not match the key requested (payer, permit, spend cap, label)");
  }
  const issuedMs = Date.parse(issuedAt);
  if (!Number.isFinite(issuedMs) || issuedMs < Date.now() - MESSAGE_MAX_AGE_MS || issuedMs > Date.now() + MESSAGE_MAX_SKEW_MS) {
    throw new ApiKeyInvalidError("the signed message is too old or not yet valid: sign a fresh one", { issuedAt });
  }
  if (!(await verifyPayerSignature(ctx, body.payer, body.message, body.signature))) {
    throw new ApiKeyInvalidError("the signature is not the payer's over this message");
  }
  const [permit] = await ctx.db
    .select()
    .from(spendPermits)
    .where(and(eq(spendPermits.id, body.permitId), eq(spendPermits.payer, lower(body.payer)), eq(spendPermits.market, lower(ctx.market))));
  if (!permit) throw new NotFoundError(`no permit ${body.permitId} of ${body.payer} on this market`, { permitId: body.permitId });
  if (permit.expiry <= (await chainTime(ctx)) + ctx.expiryMarginSeconds) {
    throw new PermitExpiredError(`permit ${permit.id} has expired`, { permitId: permit.id, expiry: permit.expiry.toString() });
  }
  const prefix = `upk_${randomBytes(4).toString("hex")}`;
  const key = `${prefix}_${randomBytes(24).toString("base64url")}`;
  const [row] = await ctx.db
    .insert(apiKeys)
    .values({
      payer: lower(body.payer),
      permitId: permit.id,
      prefix,
      keyHash: sha256(key),
      label: body.label,
      spendCap: body.spendCap,
      signatureHash: signatureFingerprint(body.signature),
    })
    .onConflictDoNothing({ target: apiKeys.signatureHash })
    .returning();
  if (!row) throw new ApiKeyInvalidError("this signature already created a key: sign a fresh message");
  return { key, apiKey: toApiKey(row) };
}

/** A payer's keys, newest first. */
export async function listApiKeys(ctx: PaymentsContext, payerInput: string): Promise<ApiKey[]> {
  const payer = parseInput(addressSchema, payerInput, { what: "payer", refuse: invalidRequest });
  const rows = await ctx.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.payer, lower(payer)))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map(toApiKey);
}

/** Revokes a key of `payer` after checking the payer's signature over the revocation message. */
export async function revokeApiKey(ctx: PaymentsContext, payerInput: string, idInput: string, signatureInput: string): Promise<ApiKey> {
  const { payer, signature } = parseInput(
    revokeApiKeySchema,
    { payer: payerInput, signature: signatureInput },
    { what: "revocation", refuse: invalidRequest },
  );
  const id = parseInput(idSchema, idInput, { what: "key id", refuse: invalidRequest });
  const message = apiKeyRevocationMessage({ payer, keyId: id });
  if (!(await verifyPayerSignature(ctx, payer, message, signature))) {
    throw new ApiKeyInvalidError("the signature is not the payer's over the revocation message");
  }
  const [row] = await ctx.db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.payer, lower(payer))))
    .returning();
  if (!row) throw new NotFoundError(`no API key ${id} of ${payer}`, { keyId: id });
  ctx.keyCache.delete(row.keyHash);
  return toApiKey(row);
}

/**
 * The key row for a presented key, with the permit it spends under; throws API_KEY_INVALID /
 * API_KEY_REVOKED. Rows are cached by key hash for `ctx.keyCacheMs`: what a cached row is used
 * for never changes (payer, permit, cap); whether it is revoked and what it has spent are read
 * again, under lock, in every authorization.
 */
export async function findUsableKey(ctx: PaymentsContext, key: string): Promise<{ row: ApiKeyRow; permit: PermitRow | undefined }> {
  if (typeof key !== "string" || !KEY_PATTERN.test(key)) throw new ApiKeyInvalidError("malformed API key");
  const hash = sha256(key);
  const cached = ctx.keyCache.get(hash);
  let found = cached && Date.now() - cached.at <= ctx.keyCacheMs ? cached : undefined;
  if (!found) {
    const [row] = await ctx.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hash));
    if (!row) throw new ApiKeyInvalidError("unknown API key", { prefix: KEY_PATTERN.exec(key)![1] });
    const [permit] = await ctx.db.select().from(spendPermits).where(eq(spendPermits.id, row.permitId));
    found = { row, permit, at: Date.now() };
    if (ctx.keyCacheMs > 0) {
      if (ctx.keyCache.size >= 10_000) ctx.keyCache.delete(ctx.keyCache.keys().next().value!);
      ctx.keyCache.set(hash, found);
    }
  }
  if (found.row.revokedAt) throw new ApiKeyRevokedError(`API key ${found.row.prefix} was revoked`, { prefix: found.row.prefix });
  return { row: found.row, permit: found.permit };
}
