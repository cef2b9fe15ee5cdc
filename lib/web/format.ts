import { formatUnits, parseUnits } from "viem";

/** The payment token's decimals (a stablecoin: 6, like USDC). */
export const TOKEN_DECIMALS = 6;

/** Thrown when a typed amount is not a positive decimal with at most the token's decimals. */
export class AmountFormatError extends Error {
  readonly code = "AMOUNT_INVALID";
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`"${input}" is not a valid amount: ${reason}`);
    this.name = "AmountFormatError";
  }
}

function groupThousands(whole: string): string {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * A token amount for people: thousands grouped, at least two decimals, no trailing zeros beyond
 * them, never rounded (0.002 stays 0.002). `formatAmount(1_500_000n)` is "1.50".
 */
export function formatAmount(amount: bigint, decimals: number = TOKEN_DECIMALS): string {
  const negative = amount < 0n;
  const [whole, fraction = ""] = formatUnits(negative ? -amount : amount, decimals).split(".");
  const shown = fraction.replace(/0+$/, "").padEnd(2, "0");
  return `${negative ? "-" : ""}${groupThousands(whole)}.${shown}`;
}

/** `formatAmount` followed by the token symbol: "0.002 tUSD". */
export function formatMoney(amount: bigint, symbol = "tUSD", decimals: number = TOKEN_DECIMALS): string {
  return `${formatAmount(amount, decimals)} ${symbol}`;
}

/**
 * Parses what a user typed ("12", "0.5", "1,000.25") into base units. Rejects negatives, more
 * decimals than the token has, and anything that is not a plain decimal. A comma is read only as
 * a thousands separator between groups of three digits: "1,5" (a decimal comma in much of the
 * world) is refused rather than read as 15.
 */
export function parseAmount(input: string, decimals: number = TOKEN_DECIMALS): bigint {
  const trimmed = input.trim();
  if (trimmed === "") throw new AmountFormatError(input, "enter an amount");
  if (trimmed.includes(",") && !/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(trimmed)) {
    throw new AmountFormatError(input, "use a dot for decimals (1.5); commas only between thousands (1,000)");
  }
  const text = trimmed.replace(/,/g, "");
  if (!/^\d*\.?\d*$/.test(text) || text === ".") throw new AmountFormatError(input, "use digits and one decimal point");
  const fraction = text.split(".")[1] ?? "";
  if (fraction.length > decimals) throw new AmountFormatError(input, `at most ${decimals} decimals`);
  return parseUnits(text, decimals);
}

/** A split in basis points as a percentage: 7000 -> "70%", 1250 -> "12.5%". */
export function formatBps(bps: number): string {
  return `${Number((bps / 100).toFixed(2))}%`;
}

/** 0x1234…abcd: enough of an address or hash to recognise it. */
export function shortHex(value: string, keep = 4): string {
  return value.length <= 2 + keep * 2 + 1 ? value : `${value.slice(0, 2 + keep)}…${value.slice(-keep)}`;
}

/** "3 minutes ago"-style time for lists; absolute date beyond a week. */
export function formatRelativeTime(when: Date, now: Date = new Date()): string {
  const seconds = Math.round((now.getTime() - when.getTime()) / 1000);
  if (seconds < 45) return "just now";
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  if (seconds < 3600) return format.format(-Math.round(seconds / 60), "minute");
  if (seconds < 86400) return format.format(-Math.round(seconds / 3600), "hour");
  if (seconds < 7 * 86400) return format.format(-Math.round(seconds / 86400), "day");
  return when.toISOString().slice(0, 10);
}
