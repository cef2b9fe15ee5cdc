/**
 * The indexer API's JSON, as zod schemas: the API (indexer/src/api) writes `z.input` of these,
 * the client (./client.ts) parses with them. Chain data is external input, so every field is
 * checked; uint256 values travel as decimal strings and come out as bigint.
 */
import { z } from "zod";
import { modelStatusSchema } from "../wire/models";
// Relative, not "@/": the indexer (a Ponder app of its own) imports this file too.
import { addressSchema as address, bytes32Schema as bytes32, decimalUint256Schema as uint } from "../wire/primitives";

const count = z.number().int().nonnegative();
/** Unix seconds. */
const time = uint;

export const datanetSchema = z.object({
  id: uint,
  owner: address,
  metadataUri: z.string(),
  license: z.string(),
  stake: uint,
  closed: z.boolean(),
  contributionCount: count,
  recordCount: uint,
  contributorCount: count,
  createdAt: time,
  blockNumber: uint,
  txHash: bytes32,
});

export const contributionSchema = z.object({
  id: uint,
  datanetId: uint,
  contributor: address,
  merkleRoot: bytes32,
  recordCount: uint,
  firstRecordId: uint,
  createdAt: time,
  blockNumber: uint,
  txHash: bytes32,
});

export const datanetContributorSchema = z.object({
  contributor: address,
  contributionCount: count,
  recordCount: uint,
});

export const modelSchema = z.object({
  id: uint,
  owner: address,
  metadataUri: z.string(),
  backendId: z.string(),
  datanetIds: z.array(uint),
  pricePerCall: uint,
  ownerBps: z.number().int().min(0).max(10_000),
  status: modelStatusSchema,
  version: z.number().int().positive(),
  stake: uint,
  inferenceCount: count,
  revenue: uint,
  createdAt: time,
  updatedAt: time,
  blockNumber: uint,
  txHash: bytes32,
});

export const modelVersionSchema = z.object({
  version: z.number().int().positive(),
  pricePerCall: uint,
  ownerBps: z.number().int().min(0).max(10_000),
  status: modelStatusSchema,
  createdAt: time,
  blockNumber: uint,
  txHash: bytes32,
});

export const payoutSchema = z.object({ payee: address, amount: uint });

export const settlementSchema = z.object({
  inferenceId: uint,
  payer: address,
  /** Nonce of the payer's permit it was charged under: (payer, permitNonce) names the permit. */
  permitNonce: uint,
  modelId: uint,
  price: uint,
  fee: uint,
  attributionHash: bytes32,
  payeeCount: count,
  /** Sort key; pass it back as `before` for the next page. */
  cursor: z.string(),
  createdAt: time,
  blockNumber: uint,
  txHash: bytes32,
});

export const creditSchema = z.object({
  inferenceId: uint,
  modelId: uint,
  amount: uint,
  cursor: z.string(),
  createdAt: time,
  txHash: bytes32,
});

export const earningsSchema = z.object({
  payee: address,
  earned: uint,
  claimed: uint,
  claimable: uint,
  inferenceCount: count,
  lastCreditAt: time.nullable(),
});

export const depositSchema = z.object({
  payer: address,
  balance: uint,
  deposited: uint,
  withdrawn: uint,
  charged: uint,
  withdrawal: z.object({ amount: uint, readyAt: time }).nullable(),
});

export const permitSpendSchema = z.object({ payer: address, nonce: uint, spent: uint, cap: uint });

export const statsSchema = z.object({
  datanets: count,
  models: count,
  contributions: count,
  settledInferences: count,
  volume: uint,
  feesAccrued: uint,
  feesCollected: uint,
  feeBps: z.number().int().min(0).max(10_000).nullable(),
});

/** Response bodies by route. */
export const responses = {
  datanets: z.object({ datanets: z.array(datanetSchema) }),
  datanet: z.object({
    datanet: datanetSchema,
    contributions: z.array(contributionSchema),
    contributors: z.array(datanetContributorSchema),
  }),
  models: z.object({ models: z.array(modelSchema) }),
  model: z.object({ model: modelSchema, versions: z.array(modelVersionSchema) }),
  earnings: z.object({ earnings: earningsSchema, credits: z.array(creditSchema), nextCursor: z.string().nullable() }),
  settlement: z.object({ settlement: settlementSchema.extend({ payouts: z.array(payoutSchema) }) }),
  settlements: z.object({ settlements: z.array(settlementSchema), nextCursor: z.string().nullable() }),
  deposit: z.object({ deposit: depositSchema }),
  permit: z.object({ permit: permitSpendSchema }),
  stats: z.object({ stats: statsSchema }),
  error: z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
};

/** The JSON a route sends, before parsing (what the API writes). */
export type Wire<K extends keyof typeof responses> = z.input<(typeof responses)[K]>;
/** The typed value a route's JSON parses to (what the client returns). */
export type Parsed<K extends keyof typeof responses> = z.output<(typeof responses)[K]>;

/** Largest page the API serves. */
export const MAX_PAGE = 200;
