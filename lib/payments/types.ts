/** The payments service's types: what it takes, what it answers, and the service itself. */
import type { Address, Chain, Hex, PublicClient, Transport } from "viem";
import type { Db } from "@/db/client";
import type { Deployment } from "@/lib/chain/deploy";

/** A signed spend permit as a client sends it (amounts as decimal strings or numbers). */
export type RegisterPermitInput = {
  /** The account charged; must be the signer. */
  payer: string;
  /** Must be the settler's address. */
  spender: string;
  /** Most that may be charged under the permit, in token units. */
  cap: string | number | bigint;
  /** Unix time (seconds) after which nothing may be charged. */
  expiry: string | number | bigint;
  /** The permit's nonce; one (payer, nonce), one permit. */
  nonce: string | number | bigint;
  /** The EIP-712 signature. */
  signature: string;
  /** Chain the client signed for; when given it must be ours (a clearer error than a bad signature). */
  chainId?: number;
  /** Market the client signed for; when given it must be ours. */
  market?: string;
};

/** A registered spend permit (its signature stays on the server). */
export type Permit = {
  /** Server id (uuid). */
  id: string;
  /** The account charged. */
  payer: Address;
  /** The settler allowed to submit it. */
  spender: Address;
  /** Chain id of the market. */
  chainId: number;
  /** The market's address. */
  market: Address;
  /** Most that may be charged, in token units. */
  cap: bigint;
  /** Unix time (seconds) after which nothing may be charged. */
  expiry: bigint;
  /** The permit's nonce. */
  nonce: bigint;
  /** When it was registered. */
  createdAt: Date;
};

/** A permit with what has been used of it. */
/** A payer's permits and debt, as `GET /api/permits` answers them. */
export type PermitAccount = {
  /** The permits with their usage, newest first. */
  permits: PermitUsage[];
  /** Prices of inferences the market skipped for the payer's doing; authorizations are refused until the free deposit covers it. */
  debt: bigint;
};

export type PermitUsage = Permit & {
  /** Charged or committed for settlement under it. */
  spent: bigint;
  /** Held by inferences still running. */
  held: bigint;
  /** cap − spent − held (never below 0). */
  remaining: bigint;
  /** True once the expiry has passed. */
  expired: boolean;
};

/** What `createApiKey` needs: a wallet signature over {@link apiKeyCreationMessage}. */
export type CreateApiKeyInput = {
  /** The payer the key spends for. */
  payer: string;
  /** personal_sign signature of `message` by the payer. */
  signature: string;
  /** The signed message; it must be exactly `apiKeyCreationMessage` of these fields. */
  message: string;
  /** The permit the key spends under. */
  permitId: string;
  /** Most the key may ever spend, in token units. */
  spendCap: string | number | bigint;
  /** A name the payer recognises the key by. */
  label: string;
};

/** An API key as listed (never the key itself). */
export type ApiKey = {
  /** Server id (uuid). */
  id: string;
  /** The payer it spends for. */
  payer: Address;
  /** The permit it spends under. */
  permitId: string;
  /** The visible start of the key, e.g. `upk_3f9a1c2b`. */
  prefix: string;
  /** The payer's name for it. */
  label: string;
  /** Most it may ever spend. */
  spendCap: bigint;
  /** Committed for settlement through it. */
  spent: bigint;
  /** When it was created. */
  createdAt: Date;
  /** When it was revoked, or null. */
  revokedAt: Date | null;
  /** Last successful authorization, or null. */
  lastUsedAt: Date | null;
};

/** A new API key: `key` is shown once and never stored. */
export type CreatedApiKey = {
  /** The full key for the client's `Authorization: Bearer` header. */
  key: string;
  /** Its listing. */
  apiKey: ApiKey;
};

/** Who pays for an inference: an API key, or a payer (with a permit id, or their active permit). */
export type AuthorizeInput = (
  | { /** A full API key. */ apiKey: string }
  | { /** The payer. */ payer: string /** A permit of the payer; omitted = the active one. */; permitId?: string }
) & {
  /** The price fixed before the model runs, in token units. */
  price: bigint;
};

/** Money set aside for one inference until it is committed or released. */
export type Hold = {
  /** Hold id (uuid). */
  id: string;
  /** The payer. */
  payer: Address;
  /** The permit the inference will be settled under. */
  permitId: string;
  /** The API key used, if any. */
  apiKeyId: string | null;
  /** The price held. */
  amount: bigint;
  /** When it was taken. */
  createdAt: Date;
};

/** One payee's part of the price (the payouts plus the protocol fee equal the price). */
export type Payout = {
  /** Who is credited. */
  payee: Address;
  /** Token units. */
  amount: bigint;
};

/** A completed inference to store and settle. */
export type CommitInferenceInput = {
  /** Registry model id. */
  modelId: bigint;
  /** The prompt as the model saw it. */
  prompt: string;
  /** The model's complete output. */
  output: string;
  /** Ids of the records retrieved into the context. */
  retrievedRecordIds: readonly string[];
  /** The attribution: hash (goes on chain) and the full proof (stored as canonical JSON). */
  attribution: { hash: Hex; proof: unknown };
  /** Per-payee amounts; their sum plus the market's protocol fee must equal the held price. */
  payouts: readonly Payout[];
};

/** A stored inference waiting in the outbox. */
export type CommittedInference = {
  /** Inference id (uuid). */
  id: string;
  /** Settlement sequence number = the on-chain inference id. */
  settlementSeq: bigint;
  /** The payer. */
  payer: Address;
  /** The price charged. */
  price: bigint;
  /** Hash of the attribution proof. */
  attributionHash: Hex;
  /** When it was stored. */
  createdAt: Date;
};

/** Dependencies of {@link createPayments}. */
export type CreatePaymentsParameters = {
  /** The app's database. */
  db: Db;
  /** Reads deposits, permit states and verifies signatures. */
  publicClient: PublicClient<Transport, Chain | undefined>;
  /** The market's chain id and address. */
  deployment: Pick<Deployment, "chainId" | "market">;
  /** The settler: the spender every permit must name. */
  settlerAddress: Address;
  /** How long an on-chain balance read is reused, in ms (default 1000). */
  balanceCacheMs?: number;
  /** A permit expiring within this many seconds cannot be registered or given an API key (default 60). */
  expiryMarginSeconds?: number;
  /** A pending hold older than this stops counting against the balance and can no longer be committed, in ms (default 10 min). */
  holdTtlMs?: number;
  /**
   * The longest a committed inference can wait before its settlement batch is mined, in seconds
   * (the settler's `settlementWindowSeconds`; default 182, the settler's with its default 2 s wait).
   * A hold is granted only under a permit that lives at least the hold's life plus this window.
   */
  settlementWindowSeconds?: number;
  /** How long an API key's row is reused, in ms (default 1 min; revocation is checked on every use regardless). */
  keyCacheMs?: number;
  /**
   * How authorizations are grouped into transactions: "payer" (default) runs one payer's at a
   * time and different payers' in parallel, for a connection pool; "all" runs everyone's in one
   * transaction, for a database with one connection (PGlite), where transactions queue anyway.
   */
  batchBy?: "payer" | "all";
};

/** The payments service. */
export type Payments = {
  /**
   * The protocol fee to split with, from the same once-a-minute read that commit checks against: a
   * split made with it is accepted by commit and settles, a fee change in between included.
   */
  protocolFeeBps(): Promise<number>;
  /** Verifies and stores a signed spend permit. */
  registerPermit(input: unknown): Promise<Permit>;
  /** A payer's permits with their usage, newest first. */
  listPermits(payer: string): Promise<PermitUsage[]>;
  /** A payer's permits with their usage, newest first, and what the payer owes. */
  permitAccount(payer: string): Promise<PermitAccount>;
  /** Creates an API key after verifying the payer's signature; returns the key once. */
  createApiKey(input: CreateApiKeyInput | unknown): Promise<CreatedApiKey>;
  /** A payer's API keys, newest first. */
  listApiKeys(payer: string): Promise<ApiKey[]>;
  /** Revokes a key; `signature` is the payer's over {@link apiKeyRevocationMessage}. */
  revokeApiKey(payer: string, id: string, signature: string): Promise<ApiKey>;
  /** Holds the price for one inference, or throws a PaymentError (402/401/400). */
  authorize(input: AuthorizeInput): Promise<Hold>;
  /** Drops a pending hold: nothing is charged. Idempotent. */
  release(holdId: string): Promise<void>;
  /** Stores the inference, closes the hold and enqueues the settlement, in one transaction. */
  commit(holdId: string, inference: CommitInferenceInput): Promise<CommittedInference>;
  /** When `hold` stops being committable (its life, `holdTtlMs`, after it was taken). */
  holdExpiresAt(hold: Hold): Date;
  /** The payer of a permit whose nonce is keccak256 of `sessionKey` (the playground's session); else SessionInvalidError (401). */
  payerOfSession(permitId: string, sessionKey: Hex): Promise<Address>;
};
