/**
 * From shares to money: an exact integer split of the price between the protocol fee, the
 * model owner and the contributors. The parts always sum to the price.
 *
 * - protocol = ⌊price × protocolFeeBps / 10 000⌋, owner = ⌊price × ownerShareBps / 10 000⌋, and
 *   the contributors' pool is the rest (so rounding dust stays with the contributors);
 * - the pool is divided in proportion to integer weights by largest remainder: everyone gets
 *   the floor of their exact share, and the units left over go one each to the largest
 *   remainders, ties broken by the lower address (a stable, documented order);
 * - with a cap, a contributor whose exact share exceeds `cap` bps of the pool is held at the cap
 *   and the excess is shared among the others in proportion to their weights (repeated until
 *   nobody exceeds it); what nobody can take goes to the owner;
 * - with no contributor weight at all, the pool goes to the owner.
 *
 * Engine version 2 passes `unexplained`: the contributors' weights are then parts of
 * `unexplained.denominator` (the whole output), not of their own sum. The pool is divided by
 * largest remainder among the contributors and the unexplained part (the denominator less their
 * weights); a contributor above the cap is held at it and the excess goes to the unexplained
 * part too, never to the other contributors, who did not earn it. The unexplained part is paid
 * to `unexplained.address` (the recipient the model's declared policy names) and always appears
 * in the split, with role "unexplained", even when it is 0.
 */
import { InvalidAttributionInputError } from "./errors";
import type { Address, SplitPart } from "./types";

/** Inputs of `splitPrice`. */
export type SplitPriceParameters = {
  /** Price in the token's smallest unit. */
  price: bigint;
  /** Owner's share in basis points. */
  ownerShareBps: number;
  /** Protocol fee in basis points. */
  protocolFeeBps: number;
  /** Owner's address. */
  owner: Address;
  /** Positive integer weight per contributor (addresses must be distinct). */
  contributors: readonly { address: Address; weight: bigint }[];
  /** Optional cap on one contributor's part of the pool, in basis points (1..10 000). */
  maxContributorShareBps?: number;
  /** Engine version 2: weights are parts of `denominator`; the rest and the cap's excess go to `address`. */
  unexplained?: { address: Address; denominator: bigint };
};

// Key of the unexplained part among the contributors in the largest-remainder order (after every address on ties).
const UNEXPLAINED = "unexplained" as Address;

const BPS = 10_000n;

function checkBps(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 10_000) {
    throw new InvalidAttributionInputError(`${name} must be an integer number of basis points in [0, 10000], got ${value}`);
  }
}

/**
 * Splits `price` exactly. Returns the protocol part, the owner part, then one part per
 * contributor with a positive amount, ordered by address.
 */
export function splitPrice(params: SplitPriceParameters): SplitPart[] {
  const { price, owner } = params;
  if (typeof price !== "bigint" || price < 0n) throw new InvalidAttributionInputError("price must be a non-negative bigint");
  checkBps("ownerShareBps", params.ownerShareBps);
  checkBps("protocolFeeBps", params.protocolFeeBps);
  if (params.ownerShareBps + params.protocolFeeBps > 10_000) {
    throw new InvalidAttributionInputError("ownerShareBps + protocolFeeBps must not exceed 10000");
  }
  if (params.maxContributorShareBps !== undefined) {
    checkBps("maxContributorShareBps", params.maxContributorShareBps);
    if (params.maxContributorShareBps === 0) throw new InvalidAttributionInputError("maxContributorShareBps must be positive");
  }
  const seen = new Set<string>();
  for (const c of params.contributors) {
    if (c.weight <= 0n) throw new InvalidAttributionInputError(`contributor ${c.address} has a non-positive weight`);
    const key = c.address.toLowerCase();
    if (seen.has(key)) throw new InvalidAttributionInputError(`contributor ${c.address} appears twice`);
    seen.add(key);
  }

  const protocol = (price * BigInt(params.protocolFeeBps)) / BPS;
  let ownerAmount = (price * BigInt(params.ownerShareBps)) / BPS;
  const pool = price - protocol - ownerAmount;
  const sorted = [...params.contributors].sort((a, b) => compareAddress(a.address, b.address));
  const amounts = new Map<string, bigint>();

  if (params.unexplained) {
    const { address, denominator } = params.unexplained;
    if (denominator <= 0n) throw new InvalidAttributionInputError("the unexplained denominator must be positive");
    const weights = sorted.reduce((s, c) => s + c.weight, 0n);
    const rest = denominator > weights ? denominator - weights : 0n;
    const shares = largestRemainder(pool, rest > 0n ? [...sorted, { address: UNEXPLAINED, weight: rest }] : sorted);
    let unexplained = shares.get(UNEXPLAINED) ?? 0n;
    const cap = params.maxContributorShareBps === undefined ? undefined : (pool * BigInt(params.maxContributorShareBps)) / BPS;
    for (const c of sorted) {
      const amount = shares.get(c.address) ?? 0n;
      if (cap !== undefined && amount > cap) {
        unexplained += amount - cap;
        amounts.set(c.address, cap);
      } else amounts.set(c.address, amount);
    }
    const parts: SplitPart[] = [
      { role: "protocol", amount: protocol },
      { role: "owner", address: owner, amount: ownerAmount },
      { role: "unexplained", address, amount: unexplained },
    ];
    for (const c of sorted) {
      const amount = amounts.get(c.address) ?? 0n;
      if (amount > 0n) parts.push({ role: "contributor", address: c.address, amount });
    }
    return parts;
  }

  if (sorted.length === 0) {
    ownerAmount += pool;
  } else {
    const cap = params.maxContributorShareBps === undefined ? undefined : (pool * BigInt(params.maxContributorShareBps)) / BPS;
    // Water-filling with exact rational comparisons: x is capped when remaining × w > cap × W.
    const capped = new Set<string>();
    let remaining = pool;
    let active = sorted;
    if (cap !== undefined) {
      for (;;) {
        const total = active.reduce((s, c) => s + c.weight, 0n);
        const over = active.filter((c) => remaining * c.weight > cap * total);
        if (over.length === 0) break;
        for (const c of over) {
          capped.add(c.address);
          amounts.set(c.address, cap);
          remaining -= cap;
        }
        active = active.filter((c) => !capped.has(c.address));
        if (active.length === 0) break;
      }
    }
    if (active.length === 0) {
      ownerAmount += remaining;
    } else {
      for (const [address, amount] of largestRemainder(remaining, active)) amounts.set(address, amount);
    }
  }

  const parts: SplitPart[] = [
    { role: "protocol", amount: protocol },
    { role: "owner", address: owner, amount: ownerAmount },
  ];
  for (const c of sorted) {
    const amount = amounts.get(c.address) ?? 0n;
    if (amount > 0n) parts.push({ role: "contributor", address: c.address, amount });
  }
  return parts;
}

/** Divides `total` in proportion to `weights` by largest remainder (ties: lower address first). */
export function largestRemainder(total: bigint, weights: readonly { address: Address; weight: bigint }[]): Map<Address, bigint> {
  const sum = weights.reduce((s, w) => s + w.weight, 0n);
  const rows = weights.map((w) => ({ address: w.address, floor: (total * w.weight) / sum, rest: (total * w.weight) % sum }));
  let left = total - rows.reduce((s, r) => s + r.floor, 0n);
  const order = [...rows].sort((a, b) => (a.rest === b.rest ? compareAddress(a.address, b.address) : a.rest > b.rest ? -1 : 1));
  for (const row of order) {
    if (left === 0n) break;
    row.floor += 1n;
    left -= 1n;
  }
  return new Map(rows.map((r) => [r.address, r.floor]));
}

function compareAddress(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
