/**
 * A model's price and owner share as the publish form reads them, and how one call's price
 * splits: exact bigint arithmetic, the settlement's own (lib/chain/settlement.ts, lib/attribution/split.ts).
 */
import { parseUnits } from "viem";
import { protocolFee } from "@/lib/chain/settlement";
import { MAX_OWNER_BPS, MAX_PRICE } from "@/lib/wire/models";
import { TOKEN_DECIMALS } from "./format";

const BPS = 10_000n;

/** A parsed input, or why it is refused. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** "0.002" → 2000n. A comma is refused, never read as a thousands separator: "1,5" is not 15. */
export function parsePrice(input: string): Parsed<bigint> {
  const text = input.trim();
  if (text === "") return { ok: false, message: "enter a price, e.g. 0.002" };
  if (text.includes(",")) return { ok: false, message: 'use a dot for decimals and no thousands separator: "1.5", not "1,5"' };
  if (!/^\d+(\.\d+)?$/.test(text)) return { ok: false, message: "use digits and one decimal point, e.g. 0.002" };
  if ((text.split(".")[1] ?? "").length > TOKEN_DECIMALS)
    return { ok: false, message: `at most ${TOKEN_DECIMALS} decimals (tUSD has ${TOKEN_DECIMALS})` };
  const value = parseUnits(text, TOKEN_DECIMALS);
  if (value === 0n) return { ok: false, message: "the price must be above zero" };
  if (value > MAX_PRICE) return { ok: false, message: "the price is too large" };
  return { ok: true, value };
}

/** "33.33" (%) → 3333 basis points, at most MAX_OWNER_BPS. */
export function parseSharePercent(input: string): Parsed<number> {
  const text = input.trim();
  if (text === "") return { ok: false, message: "enter the owner's share in %, e.g. 20" };
  if (!/^\d+(\.\d{1,2})?$/.test(text)) return { ok: false, message: "a percentage with at most two decimals and a dot, e.g. 12.5" };
  const bps = parseUnits(text, 2);
  if (bps > BigInt(MAX_OWNER_BPS)) {
    return { ok: false, message: `at most ${MAX_OWNER_BPS / 100}%: with the protocol fee the split must not exceed 100%` };
  }
  return { ok: true, value: Number(bps) };
}

/** How one call's price splits: the market's fee, the owner's share, the rest to the data pool (as the settlement computes it). */
export function splitOfPrice(price: bigint, ownerShareBps: number, feeBps: number) {
  const fee = protocolFee(price, feeBps);
  const owner = (price * BigInt(ownerShareBps)) / BPS;
  return { fee, owner, pool: price - fee - owner };
}
