import { describe, expect, it } from "vitest";
import { AmountFormatError, formatAmount, formatBps, formatMoney, formatRelativeTime, parseAmount, shortHex } from "./format";

describe("formatAmount", () => {
  it("shows stablecoin amounts with at least two decimals and never rounds", () => {
    expect(formatAmount(1_500_000n)).toBe("1.50");
    expect(formatAmount(2_000n)).toBe("0.002");
    expect(formatAmount(1n)).toBe("0.000001");
    expect(formatAmount(0n)).toBe("0.00");
    expect(formatAmount(1_234_567_890_000n)).toBe("1,234,567.89");
    expect(formatAmount(-2_500_000n)).toBe("-2.50");
  });

  it("keeps amounts beyond 2^53 exact", () => {
    expect(formatAmount(2n ** 80n)).toBe("1,208,925,819,614,629,174.706176");
  });

  it("adds the symbol", () => {
    expect(formatMoney(2_000n)).toBe("0.002 tUSD");
  });
});

describe("parseAmount", () => {
  it("reads what people type into base units", () => {
    expect(parseAmount("12")).toBe(12_000_000n);
    expect(parseAmount(" 0.5 ")).toBe(500_000n);
    expect(parseAmount("1,000.25")).toBe(1_000_250_000n);
    expect(parseAmount(".000001")).toBe(1n);
    expect(parseAmount("12,345,678")).toBe(12_345_678_000_000n);
  });

  it("round-trips with formatAmount", () => {
    for (const amount of [0n, 1n, 999_999n, 10n ** 18n + 7n]) expect(parseAmount(formatAmount(amount))).toBe(amount);
  });

  it("rejects what is not an amount with a stable code", () => {
    // "1,5" is a decimal comma in much of the world: refused, never read as 15.
    for (const bad of ["", "-1", "1e6", "1.2.3", "abc", ".", "0.0000001", "1,5", "12,50", "1,00,000", ",5"]) {
      expect(() => parseAmount(bad)).toThrow(AmountFormatError);
    }
    try {
      parseAmount("0.0000001");
    } catch (error) {
      expect((error as AmountFormatError).code).toBe("AMOUNT_INVALID");
      expect((error as Error).message).toContain("at most 6 decimals");
    }
  });
});

describe("small formatters", () => {
  it("formats splits, hex and times", () => {
    expect(formatBps(7000)).toBe("70%");
    expect(formatBps(1250)).toBe("12.5%");
    expect(shortHex("0x1234567890abcdef1234567890abcdef12345678")).toBe("0x1234…5678");
    expect(shortHex("0x12")).toBe("0x12");
    const now = new Date("2025-01-10T12:00:00Z");
    expect(formatRelativeTime(new Date("2025-01-10T11:59:50Z"), now)).toBe("just now");
    expect(formatRelativeTime(new Date("2025-01-10T11:55:00Z"), now)).toBe("5 minutes ago");
    expect(formatRelativeTime(new Date("2025-01-10T09:00:00Z"), now)).toBe("3 hours ago");
    expect(formatRelativeTime(new Date("2024-12-01T00:00:00Z"), now)).toBe("2024-12-01");
  });
});
