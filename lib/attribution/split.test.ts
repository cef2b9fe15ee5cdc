import { describe, expect, it } from "vitest";
import { InvalidAttributionInputError } from "./errors";
import { largestRemainder, splitPrice } from "./split";
import { contributorAddress, lcgRandom } from "./testing/fixtures";

const OWNER = "0x00000000000000000000000000000000000000aa" as const;

const total = (parts: { amount: bigint }[]) => parts.reduce((s, p) => s + p.amount, 0n);

describe("splitPrice", () => {
  it("always sums exactly to the price, never pays a contributor over the cap, for many random cases", () => {
    const rnd = lcgRandom(42);
    for (let trial = 0; trial < 2000; trial++) {
      const price = BigInt(Math.floor(rnd() * 1e9)) * (trial % 2 ? 10n ** 9n : 1n) + BigInt(Math.floor(rnd() * 1000));
      const protocolFeeBps = Math.floor(rnd() * 1000);
      const ownerShareBps = Math.floor(rnd() * (10_000 - protocolFeeBps));
      const count = Math.floor(rnd() * 12);
      const contributors = Array.from({ length: count }, (_, i) => ({
        address: contributorAddress(i + 1),
        weight: BigInt(1 + Math.floor(rnd() * (trial % 3 === 0 ? 5 : 1e12))),
      }));
      const cap = trial % 4 === 0 ? 1 + Math.floor(rnd() * 10_000) : undefined;
      const parts = splitPrice({ price, ownerShareBps, protocolFeeBps, owner: OWNER, contributors, maxContributorShareBps: cap });
      expect(total(parts)).toBe(price);
      expect(parts.every((p) => p.amount >= 0n)).toBe(true);
      const pool = price - (price * BigInt(protocolFeeBps)) / 10_000n - (price * BigInt(ownerShareBps)) / 10_000n;
      if (cap !== undefined) {
        for (const p of parts.filter((x) => x.role === "contributor")) expect(p.amount <= (pool * BigInt(cap)) / 10_000n).toBe(true);
      }
    }
  });

  it("pays in proportion to weights, each part within one unit of its exact share", () => {
    const parts = splitPrice({
      price: 1000n,
      ownerShareBps: 1000,
      protocolFeeBps: 250,
      owner: OWNER,
      contributors: [
        { address: contributorAddress(1), weight: 1n },
        { address: contributorAddress(2), weight: 1n },
        { address: contributorAddress(3), weight: 1n },
      ],
    });
    expect(parts[0]).toEqual({ role: "protocol", amount: 25n });
    expect(parts[1]).toEqual({ role: "owner", address: OWNER, amount: 100n });
    // 875 over three equal weights: 292, 292, 291, the extra unit to the lower addresses.
    expect(parts.slice(2).map((p) => p.amount)).toEqual([292n, 292n, 291n]);
  });

  it("breaks remainder ties by address, independent of input order", () => {
    const a = largestRemainder(10n, [
      { address: contributorAddress(3), weight: 1n },
      { address: contributorAddress(1), weight: 1n },
      { address: contributorAddress(2), weight: 1n },
    ]);
    expect(a.get(contributorAddress(1))).toBe(4n);
    expect(a.get(contributorAddress(2))).toBe(3n);
    expect(a.get(contributorAddress(3))).toBe(3n);
  });

  it("caps a dominant contributor and redistributes the excess; gives the owner what nobody can take", () => {
    const parts = splitPrice({
      price: 10_000n,
      ownerShareBps: 0,
      protocolFeeBps: 0,
      owner: OWNER,
      contributors: [
        { address: contributorAddress(1), weight: 90n },
        { address: contributorAddress(2), weight: 5n },
        { address: contributorAddress(3), weight: 5n },
      ],
      maxContributorShareBps: 5000,
    });
    expect(parts.find((p) => p.address === contributorAddress(1))?.amount).toBe(5000n);
    expect(parts.find((p) => p.address === contributorAddress(2))?.amount).toBe(2500n);
    expect(parts.find((p) => p.address === contributorAddress(3))?.amount).toBe(2500n);

    const alone = splitPrice({
      price: 100n,
      ownerShareBps: 0,
      protocolFeeBps: 0,
      owner: OWNER,
      contributors: [{ address: contributorAddress(1), weight: 1n }],
      maxContributorShareBps: 3000,
    });
    expect(alone.find((p) => p.role === "owner")?.amount).toBe(70n);
    expect(total(alone)).toBe(100n);
  });

  it("gives the contributors' pool to the owner when nobody earned credit", () => {
    const parts = splitPrice({ price: 999n, ownerShareBps: 2000, protocolFeeBps: 100, owner: OWNER, contributors: [] });
    expect(parts).toEqual([
      { role: "protocol", amount: 9n },
      { role: "owner", address: OWNER, amount: 990n },
    ]);
  });

  it("refuses out-of-range shares and duplicate contributors", () => {
    expect(() => splitPrice({ price: 1n, ownerShareBps: 9000, protocolFeeBps: 2000, owner: OWNER, contributors: [] })).toThrow(
      InvalidAttributionInputError,
    );
    expect(() => splitPrice({ price: -1n, ownerShareBps: 0, protocolFeeBps: 0, owner: OWNER, contributors: [] })).toThrow(
      InvalidAttributionInputError,
    );
    expect(() =>
      splitPrice({
        price: 1n,
        ownerShareBps: 0,
        protocolFeeBps: 0,
        owner: OWNER,
        contributors: [
          { address: contributorAddress(1), weight: 1n },
          { address: contributorAddress(1), weight: 2n },
        ],
      }),
    ).toThrow(/twice/);
  });
});

describe("splitPrice with an unexplained part (engine version 2)", () => {
  const TREASURY = "0x00000000000000000000000000000000000000ee" as const;

  it("pays each contributor its weight's part of the whole, the cap's excess and the rest to the unexplained part, for many random cases", () => {
    const rnd = lcgRandom(7);
    const denominator = 2n ** 48n;
    for (let trial = 0; trial < 2000; trial++) {
      const price = BigInt(Math.floor(rnd() * 1e9)) * (trial % 2 ? 10n ** 9n : 1n) + BigInt(Math.floor(rnd() * 1000));
      const protocolFeeBps = Math.floor(rnd() * 1000);
      const ownerShareBps = Math.floor(rnd() * (10_000 - protocolFeeBps));
      const count = Math.floor(rnd() * 8);
      const explained = rnd();
      const raw = Array.from({ length: count }, () => 0.01 + rnd());
      const total = raw.reduce((s, x) => s + x, 0);
      const contributors = raw.map((x, i) => ({
        address: contributorAddress(i + 1),
        weight: BigInt(Math.max(1, Math.round((x / total) * explained * 2 ** 48))),
      }));
      const cap = trial % 3 === 0 ? 1 + Math.floor(rnd() * 10_000) : undefined;
      const parts = splitPrice({
        price,
        ownerShareBps,
        protocolFeeBps,
        owner: OWNER,
        contributors,
        maxContributorShareBps: cap,
        unexplained: { address: TREASURY, denominator },
      });
      expect(parts.reduce((s, p) => s + p.amount, 0n)).toBe(price);
      expect(parts[2]).toMatchObject({ role: "unexplained", address: TREASURY });
      const pool = price - parts[0].amount - parts[1].amount;
      for (const c of contributors) {
        const paid = parts.find((p) => p.role === "contributor" && p.address === c.address)?.amount ?? 0n;
        const exact = (pool * c.weight) / denominator;
        // Never more than its own part of the whole (plus one unit of rounding), never over the cap.
        expect(paid <= exact + 1n).toBe(true);
        if (cap !== undefined) expect(paid <= (pool * BigInt(cap)) / 10_000n).toBe(true);
        else expect(paid >= exact - 1n).toBe(true);
      }
    }
  });
});
