import { keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { hashRecord, hashRecords, RECORD_LIMITS, validateRecords } from "./records";

describe("validateRecords", () => {
  it("keeps texts exactly as given, in order", () => {
    const texts = ["  Call me Ishmael.  ", "Ahab\nand the whale", "Ünïcödé 🐋"];
    expect(validateRecords(texts)).toEqual(texts);
  });

  it("names the first bad record and why", () => {
    expect(() => validateRecords(["ok", "   \n\t"])).toThrow(/Record 1 is empty/);
    expect(() => validateRecords(["ok", "half a pair \uD83D here"])).toThrow(/Record 1 is not valid UTF-8/);
    expect(() => validateRecords(["a\u0000b"])).toThrow(/Record 0 contains a NUL/);
    expect(() => validateRecords(["x".repeat(RECORD_LIMITS.maxRecordBytes + 1)])).toThrow(/Record 0 is 16385 bytes long/);
    // 'é' is two bytes in UTF-8: the limit counts bytes, not characters.
    expect(() => validateRecords(["é".repeat(RECORD_LIMITS.maxRecordBytes / 2 + 1)])).toThrow(/bytes long/);
  });

  it("refuses an empty list, too many records, too many bytes and non-strings", () => {
    for (const bad of [[], "text", [1], [null], Array.from({ length: RECORD_LIMITS.maxRecords + 1 }, () => "r")]) {
      expect(() => validateRecords(bad)).toThrow(expect.objectContaining({ code: "INVALID_RECORDS" }));
    }
    const big = (i: number) => `${i}`.padStart(8, "0") + "y".repeat(RECORD_LIMITS.maxRecordBytes - 8);
    const count = RECORD_LIMITS.maxContributionBytes / RECORD_LIMITS.maxRecordBytes + 1;
    expect(() => validateRecords(Array.from({ length: count }, (_, i) => big(i)))).toThrow(/total/);
  });

  it("refuses a record repeated within a contribution, naming both (the same text twice would earn twice)", () => {
    expect(() => validateRecords(["Call me Ishmael.", "Ahab.", "Call me Ishmael."])).toThrow(/Record 2 repeats record 0/);
    // Exactly as given: a record differing only in spacing is another record.
    expect(validateRecords(["Ahab.", "Ahab. "])).toHaveLength(2);
  });
});

describe("hashRecord", () => {
  it("is keccak256 of the UTF-8 bytes", () => {
    const text = "naïve café — 鯨";
    expect(hashRecord(text)).toBe(keccak256(toHex(Buffer.from(text, "utf8"))));
    expect(hashRecords([text, "b"]).map((r) => r.hash)).toEqual([hashRecord(text), hashRecord("b")]);
  });
});
