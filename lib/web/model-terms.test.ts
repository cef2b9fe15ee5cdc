import { describe, expect, it } from "vitest";
import { distributableAmount } from "@/lib/chain/settlement";
import { parsePrice, parseSharePercent, splitOfPrice } from "./model-terms";

describe("a model's price and share as the publish form reads them", () => {
  it("converts tUSD exactly to base units and refuses a comma, extra decimals, zero and junk", () => {
    expect(parsePrice("0.001237")).toEqual({ ok: true, value: 1237n });
    expect(parsePrice(" 12 ")).toEqual({ ok: true, value: 12_000_000n });
    expect(parsePrice("0.1")).toEqual({ ok: true, value: 100_000n });
    expect(parsePrice("1,5")).toMatchObject({ ok: false, message: expect.stringContaining('"1.5", not "1,5"') });
    expect(parsePrice("1,000")).toMatchObject({ ok: false });
    expect(parsePrice("0.0000001")).toMatchObject({ ok: false, message: expect.stringContaining("at most 6 decimals") });
    for (const bad of ["", "0", "0.000000", "-1", "1e3", ".5", "1.", "abc"]) expect(parsePrice(bad).ok).toBe(false);
    expect(parsePrice("340282366920938463463374607431768.211455")).toEqual({ ok: true, value: (1n << 128n) - 1n });
    expect(parsePrice("340282366920938463463374607431768.211456")).toMatchObject({ ok: false, message: "the price is too large" });
  });

  it("reads the owner share in % as basis points, at most 90%", () => {
    expect(parseSharePercent("33.33")).toEqual({ ok: true, value: 3333 });
    expect(parseSharePercent("0")).toEqual({ ok: true, value: 0 });
    expect(parseSharePercent("90")).toEqual({ ok: true, value: 9000 });
    expect(parseSharePercent("90.01")).toMatchObject({ ok: false, message: expect.stringContaining("at most 90%") });
    for (const bad of ["", "-1", "12.345", "12,5", "x"]) expect(parseSharePercent(bad).ok).toBe(false);
  });

  it("splits one call's price as the settlement does: fee and owner rounded down, the pool the rest", () => {
    expect(splitOfPrice(1237n, 3333, 250)).toEqual({ fee: 30n, owner: 412n, pool: 795n });
    expect(splitOfPrice(2000n, 2000, 250)).toEqual({ fee: 50n, owner: 400n, pool: 1550n });
    for (const [price, share, fee] of [
      [1n, 9000, 1000],
      [999_999n, 1, 999],
      [(1n << 128n) - 1n, 9000, 1000],
    ] as const) {
      const s = splitOfPrice(price, share, fee);
      expect(s.fee + s.owner + s.pool).toBe(price);
      expect(s.owner + s.pool).toBe(distributableAmount(price, fee));
      expect(s.pool >= 0n).toBe(true);
    }
  });
});
