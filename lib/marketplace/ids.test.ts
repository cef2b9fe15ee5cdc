import { describe, expect, it } from "vitest";
import { parseMarketplaceId } from "./ids";

describe("parseMarketplaceId", () => {
  it("reads canonical decimal ids, up to uint256", () => {
    expect(parseMarketplaceId("0")).toBe(0n);
    expect(parseMarketplaceId("42")).toBe(42n);
    expect(parseMarketplaceId(((1n << 256n) - 1n).toString())).toBe((1n << 256n) - 1n);
  });

  it("refuses what is not one, so the page answers 404", () => {
    for (const bad of ["", "-1", "01", "1.5", "0x10", "abc", " 1", (1n << 256n).toString(), "1".repeat(100)]) {
      expect(parseMarketplaceId(bad)).toBeNull();
    }
  });
});
