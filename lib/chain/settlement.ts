import { type Address, getAddress, type Hex, isAddress, isHex } from "viem";
import type { SignedSpendPermit } from "./permit";

// Bit layout shared with UpstreamMarket.settleBatch (see the contract's notes).
const U16 = (1n << 16n) - 1n;
const U64 = (1n << 64n) - 1n;
const U96 = (1n << 96n) - 1n;
const U128 = (1n << 128n) - 1n;
const U32 = (1n << 32n) - 1n;

/** One payee's part of an inference's price. */
export type SettlementPayout = {
  /** Who is credited. */
  payee: Address;
  /** Token units credited (< 2^96). */
  amount: bigint;
};

/** One paid inference as the settler submits it. */
export type SettlementInference = {
  /** Sequence number assigned by the settler (the outbox sequence); < 2^64, settles at most once. */
  inferenceId: bigint;
  /** The payer's signed spend permit; its spender must be the account that submits the batch. */
  permit: SignedSpendPermit;
  /** Model id in the registry (< 2^64). */
  modelId: bigint;
  /** Price charged to the payer (< 2^96); payouts sum to price minus the protocol fee. */
  price: bigint;
  /** Hash of the canonical attribution proof. */
  attributionHash: Hex;
  /** Per-payee amounts (fewer than 65,536). */
  payouts: SettlementPayout[];
};

/** A permit as UpstreamMarket.settleBatch takes it (the spender is the caller). */
export type PermitInput = {
  /** The account charged. */
  payer: Address;
  /** Most that may be charged. */
  cap: bigint;
  /** Unix time after which nothing may be charged. */
  expiry: bigint;
  /** The permit's nonce. */
  nonce: bigint;
  /** The payer's signature. */
  signature: Hex;
};

/** The three arguments of UpstreamMarket.settleBatch. */
export type EncodedSettlementBatch = {
  /** Permit table, strictly sorted by (payer, nonce). */
  permits: PermitInput[];
  /** Payee address table. */
  payees: Address[];
  /** Packed inferences: head word, attribution hash, share words. */
  words: bigint[];
};

/** An inference read back from an encoded batch. */
export type DecodedSettlementInference = Omit<SettlementInference, "permit"> & {
  /** Index into the batch's permit table. */
  permitIndex: number;
  /** The payer of that permit. */
  payer: Address;
};

/** Reason codes of the InferenceSkipped event, by their uint8 value. */
export const SKIP_REASONS = [
  "None",
  "AlreadySettled",
  "PermitInvalid",
  "PermitExpired",
  "PermitNonceReused",
  "PermitCapExceeded",
  "InsufficientBalance",
  "SplitMismatch",
] as const;

/** Name of a skip reason. */
export type SkipReasonName = (typeof SKIP_REASONS)[number];

/** The name of the skip reason with code `code`. */
export function skipReasonName(code: number): SkipReasonName {
  const name = SKIP_REASONS[code];
  if (!name) throw new RangeError(`unknown skip reason ${code}`);
  return name;
}

/**
 * Skips the payer caused, after the gateway had checked the permit and the balance: the signature
 * stopped being valid (a wallet that changed its code or owners), the permit lapsed before the
 * batch, its nonce went to another permit, or the deposit was taken out. The payer had the answer,
 * so each of these is a debt, never written off. The others are the operator's to bear:
 * `PermitCapExceeded` (the gateway counts the cap itself) and `SplitMismatch` (the split and the
 * fee are the gateway's); `AlreadySettled` is no loss at all.
 */
export const PAYER_SKIP_REASONS = ["PermitInvalid", "PermitExpired", "PermitNonceReused", "InsufficientBalance"] as const;

/** Whether a skip (or failure) reason makes the inference the payer's debt. */
export function isPayerSkip(reason: string): boolean {
  return (PAYER_SKIP_REASONS as readonly string[]).includes(reason);
}

/** A batch that cannot be encoded; `code` is stable for callers. */
export class SettlementEncodingError extends Error {
  readonly code = "SETTLEMENT_ENCODING_INVALID";
}

/** The protocol fee UpstreamMarket takes from `price` (rounded down). */
export function protocolFee(price: bigint, feeBps: number | bigint): bigint {
  return (price * BigInt(feeBps)) / 10_000n;
}

/** What the payees of an inference share: the price minus the protocol fee. */
export function distributableAmount(price: bigint, feeBps: number | bigint): bigint {
  return price - protocolFee(price, feeBps);
}

function inRange(value: bigint, max: bigint, what: string, id: bigint): void {
  if (value < 0n || value > max) throw new SettlementEncodingError(`inference ${id}: ${what} ${value} out of range`);
}

function permitKey(p: { payer: Address; nonce: bigint }): string {
  return `${p.payer.toLowerCase()}:${p.nonce}`;
}

function comparePermits(a: PermitInput, b: PermitInput): number {
  const pa = BigInt(a.payer);
  const pb = BigInt(b.payer);
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0;
}

/**
 * Encodes inferences into settleBatch's arguments: one permit table (deduplicated, sorted), one
 * payee table (deduplicated), and the packed words. Throws SettlementEncodingError on values the
 * contract would reject as malformed.
 */
export function encodeSettlementBatch(inferences: readonly SettlementInference[]): EncodedSettlementBatch {
  if (inferences.length === 0) throw new SettlementEncodingError("a batch needs at least one inference");
  const permitsByKey = new Map<string, PermitInput>();
  for (const inference of inferences) {
    const { payer, cap, expiry, nonce, signature } = inference.permit;
    if (!isAddress(payer, { strict: false })) throw new SettlementEncodingError(`bad payer ${payer}`);
    if (!isHex(signature)) throw new SettlementEncodingError(`bad signature for ${payer}`);
    const input: PermitInput = { payer: getAddress(payer), cap, expiry, nonce, signature };
    const key = permitKey(input);
    const known = permitsByKey.get(key);
    if (known && (known.cap !== cap || known.expiry !== expiry || known.signature !== signature)) {
      throw new SettlementEncodingError(`two different permits for payer ${payer} nonce ${nonce}`);
    }
    permitsByKey.set(key, input);
  }
  const permits = [...permitsByKey.values()].sort(comparePermits);
  const permitIndex = new Map(permits.map((p, i) => [permitKey(p), i]));

  const payees: Address[] = [];
  const payeeIndex = new Map<string, number>();
  const words: bigint[] = [];
  for (const inference of inferences) {
    const { inferenceId: id, modelId, price, payouts, attributionHash } = inference;
    inRange(id, U64, "id", id);
    inRange(modelId, U64, "model id", id);
    inRange(price, U96, "price", id);
    if (payouts.length > Number(U16)) throw new SettlementEncodingError(`inference ${id}: too many payees`);
    if (!isHex(attributionHash) || attributionHash.length !== 66) {
      throw new SettlementEncodingError(`inference ${id}: attribution hash must be 32 bytes`);
    }
    const index = BigInt(permitIndex.get(permitKey(inference.permit))!);
    words.push((id << 192n) | (index << 176n) | (modelId << 112n) | (price << 16n) | BigInt(payouts.length));
    words.push(BigInt(attributionHash));
    const shares = payouts.map(({ payee, amount }) => {
      if (!isAddress(payee, { strict: false })) throw new SettlementEncodingError(`inference ${id}: bad payee ${payee}`);
      inRange(amount, U96, "amount", id);
      const key = payee.toLowerCase();
      let slot = payeeIndex.get(key);
      if (slot === undefined) {
        slot = payees.push(getAddress(payee)) - 1;
        payeeIndex.set(key, slot);
      }
      return (BigInt(slot) << 96n) | amount;
    });
    for (let i = 0; i < shares.length; i += 2) words.push((shares[i] << 128n) | (shares[i + 1] ?? 0n));
  }
  return { permits, payees, words };
}

/** Reads an encoded batch back into inferences (for checks, tests and explorers). */
export function decodeSettlementBatch(batch: EncodedSettlementBatch): DecodedSettlementInference[] {
  const out: DecodedSettlementInference[] = [];
  let cursor = 0;
  while (cursor < batch.words.length) {
    const head = batch.words[cursor];
    const count = Number(head & U16);
    const permitIndex = Number((head >> 176n) & U16);
    const permit = batch.permits[permitIndex];
    const next = cursor + 2 + Math.ceil(count / 2);
    if (!permit || next > batch.words.length) throw new SettlementEncodingError(`malformed batch at word ${cursor}`);
    const payouts: SettlementPayout[] = [];
    for (let i = 0; i < count; i++) {
      const word = batch.words[cursor + 2 + (i >> 1)];
      const share = i % 2 === 0 ? word >> 128n : word & U128;
      const payee = batch.payees[Number((share >> 96n) & U32)];
      if (!payee) throw new SettlementEncodingError(`payee index out of range at word ${cursor}`);
      payouts.push({ payee, amount: share & U96 });
    }
    out.push({
      inferenceId: head >> 192n,
      permitIndex,
      payer: permit.payer,
      modelId: (head >> 112n) & U64,
      price: (head >> 16n) & U96,
      attributionHash: `0x${batch.words[cursor + 1].toString(16).padStart(64, "0")}`,
      payouts,
    });
    cursor = next;
  }
  return out;
}

/** Decodes the `payouts` of an InferenceSettled event: each word is payee (160 bits) | amount (96 bits). */
export function decodePayouts(payouts: readonly bigint[]): SettlementPayout[] {
  return payouts.map((word) => ({
    payee: getAddress(`0x${(word >> 96n).toString(16).padStart(40, "0")}`),
    amount: word & U96,
  }));
}
