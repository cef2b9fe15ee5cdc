/** Builds the payments service: one shared context, with the steps of each file bound to it. */
import { getAddress } from "viem";
import { createApiKey, listApiKeys, revokeApiKey } from "./api-keys";
import { createMarketReader } from "./chain-state";
import type { PaymentsContext } from "./context";
import { createGroupRunner, createKeyedGroupRunner } from "./group";
import { authorize, authorizeBatch, commit, commitBatch, release } from "./holds";
import { listPermits, permitAccount, registerPermit } from "./permits";
import { payerOfSession } from "./sessions";
import type { CreatePaymentsParameters, Payments } from "./types";

/** Defaults of {@link createPayments} that other parts reason about (the withdrawal-delay bound). */
export const PAYMENT_DEFAULTS = {
  /** How long a hold lives before it lapses, in ms. */
  holdTtlMs: 10 * 60_000,
  /** How long a payer's market read is reused, in ms. */
  balanceCacheMs: 1_000,
} as const;

/** Creates the payments service over the database and the market. */
export function createPayments(parameters: CreatePaymentsParameters): Payments {
  const market = getAddress(parameters.deployment.market);
  const ctx: PaymentsContext = {
    db: parameters.db,
    publicClient: parameters.publicClient,
    reader: createMarketReader(parameters.publicClient, market, parameters.balanceCacheMs ?? PAYMENT_DEFAULTS.balanceCacheMs),
    chainId: parameters.deployment.chainId,
    market,
    settler: getAddress(parameters.settlerAddress),
    expiryMarginSeconds: BigInt(parameters.expiryMarginSeconds ?? 60),
    holdTtlMs: parameters.holdTtlMs ?? PAYMENT_DEFAULTS.holdTtlMs,
    settlementWindowSeconds: BigInt(parameters.settlementWindowSeconds ?? 182),
    keyCache: new Map(),
    keyCacheMs: parameters.keyCacheMs ?? 60_000,
    batchBy: parameters.batchBy ?? "payer",
    batches: {
      authorize: createKeyedGroupRunner((_key, items) => authorizeBatch(ctx, items), { maxBatch: 64 }),
      commit: createGroupRunner((items) => commitBatch(ctx, items), { maxBatch: 64 }),
    },
  };
  return {
    registerPermit: (input) => registerPermit(ctx, input),
    listPermits: (payer) => listPermits(ctx, payer),
    permitAccount: (payer) => permitAccount(ctx, payer),
    createApiKey: (input) => createApiKey(ctx, input),
    listApiKeys: (payer) => listApiKeys(ctx, payer),
    revokeApiKey: (payer, id, signature) => revokeApiKey(ctx, payer, id, signature),
    authorize: (input) => authorize(ctx, input),
    release: (holdId) => release(ctx, holdId),
    commit: (holdId, inference) => commit(ctx, holdId, inference),
    holdExpiresAt: (hold) => new Date(hold.createdAt.getTime() + ctx.holdTtlMs),
    payerOfSession: (permitId, sessionKey) => payerOfSession(ctx, permitId, sessionKey),
    protocolFeeBps: async () => (await ctx.reader.fees()).current,
  };
}
