import { keccak256 } from "viem/utils";
import type { Hex } from "./types";

const utf8 = new TextEncoder();

/** keccak256 of a string's UTF-8 bytes (the same value as viem's `keccak256(toHex(text))`). */
export function hashText(text: string): Hex {
  return keccak256(utf8.encode(text));
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, bigint as a decimal
 * string, `undefined` object fields left out, numbers in ECMAScript's shortest round-trip form
 * (the same on every engine). Non-finite numbers are refused: they have no JSON form.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "bigint":
      return JSON.stringify(value.toString(10));
    case "number":
      if (!Number.isFinite(value)) throw new RangeError(`canonical JSON cannot hold ${value}`);
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
      const entries = Object.keys(value as object)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
      return `{${entries.join(",")}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  }
}
