/** What the payment steps share: the database, the market reader and the deployment's identity. */
import type { Address, Chain, PublicClient, Transport } from "viem";
import type { Db } from "@/db/client";
import type { apiKeys, spendPermits } from "@/db/schema/payments";
import type { AcceptedFees, MarketReader } from "./chain-state";
import type { GroupRunner, KeyedGroupRunner } from "./group";
import type { CommitInferenceInput, CommittedInference, Hold } from "./types";

/** An API key's row. */
export type ApiKeyRow = typeof apiKeys.$inferSelect;
/** A spend permit's row. */
export type PermitRow = typeof spendPermits.$inferSelect;

/** One authorization waiting for its batch. */
export type AuthorizeItem = {
  /** The payer (checksummed). */
  payer: Address;
  /** The price to hold. */
  price: bigint;
  /** The permits it may use, in order of preference (each outlives the hold and the settlement window). */
  live: PermitRow[];
  /** The API key presented, if any. */
  apiKey?: ApiKeyRow;
};

/** One commit waiting for the next batch: the hold, the validated inference, and the market's fee when it was asked. */
/** `feeBps`: the fees the split may have used (the one in force, and the previous one within its grace). */
export type CommitItem = { holdId: string; inference: CommitInferenceInput; paid: bigint; feeBps: AcceptedFees };

/** Shared state of one payments service. */
export type PaymentsContext = {
  /** The app's database. */
  db: Db;
  /** Verifies signatures. */
  publicClient: PublicClient<Transport, Chain | undefined>;
  /** Cached market reads. */
  reader: MarketReader;
  /** Chain id of the market. */
  chainId: number;
  /** The market, checksummed. */
  market: Address;
  /** The settler, checksummed: the spender of every permit. */
  settler: Address;
  /** Permits expiring within this many seconds cannot be registered or given an API key. */
  expiryMarginSeconds: bigint;
  /** A pending hold older than this stops counting (its inference died with its process). */
  holdTtlMs: number;
  /** The longest a committed inference waits before its batch is mined, in seconds. */
  settlementWindowSeconds: bigint;
  /** API key rows by key hash (immutable fields only are trusted), and for how long, in ms. */
  keyCache: Map<string, { row: ApiKeyRow; permit: PermitRow | undefined; at: number }>;
  keyCacheMs: number;
  /** Authorizations batch per payer (many connections), or all together (one connection, PGlite). */
  batchBy: "payer" | "all";
  /** Group commits: authorizations per batch key, and commits. */
  batches: {
    authorize: KeyedGroupRunner<AuthorizeItem, Hold>;
    commit: GroupRunner<CommitItem, CommittedInference>;
  };
};

/** Lowercase form of an address, as the database stores it. */
export const lower = (a: string): `0x${string}` => a.toLowerCase() as `0x${string}`;

/** A conservative chain time: the later of the chain's estimate and the wall clock. */
export async function chainTime(ctx: PaymentsContext): Promise<bigint> {
  const chain = await ctx.reader.now();
  const wall = BigInt(Math.floor(Date.now() / 1000));
  return chain > wall ? chain : wall;
}
