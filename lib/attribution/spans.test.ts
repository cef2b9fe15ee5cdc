import { describe, expect, it } from "vitest";
import { buildIndex, encodeText, recordNumber } from "./datanet-index";
import { retrieve } from "./retrieval";
import { findSpans, matchingStatistics } from "./spans";
import { contributorAddress } from "./testing/fixtures";

const A = "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse.";
const B = "It is a way I have of driving off the spleen and regulating the circulation of the blood.";
const C = "Having little or no money in my purse, and nothing particular to interest me on shore.";
const options = { minSpanTokens: 6, commonRecordFraction: 0, commonMinRecords: 3 };

function index(texts: string[]) {
  return buildIndex(texts.map((text, i) => ({ id: `r${i}`, contributor: contributorAddress(i + 1), text })));
}

describe("findSpans", () => {
  it("computes, for each output position, the longest match in the index", () => {
    const idx = index([A, B]);
    const m = matchingStatistics(idx, encodeText(idx, "zebra some years ago never mind quokka").ids);
    expect(Array.from(m)).toEqual([0, 5, 4, 3, 2, 1, 0]);
  });

  it("credits each output token once, to the longest span covering it", () => {
    const idx = index([A, C]);
    // "having little or no money in my purse" is in both A and C; the longer span from C wins its tokens.
    const output = "having little or no money in my purse and nothing particular to interest me";
    const { spans, credit } = findSpans(idx, encodeText(idx, output), options);
    const tokens = spans.reduce((s, x) => s + x.tokens, 0);
    expect(tokens).toBe(14);
    expect(credit.get(recordNumber(idx, "r1"))).toBe(14);
    expect(credit.has(recordNumber(idx, "r0"))).toBe(false);
  });

  it("weighs a span by rarity: shared by two records it is worth less and split between them", () => {
    const idx = index([A, `${B} ${A}`, "something else entirely about whales"]);
    const output = "call me ishmael some years ago never mind";
    const { spans, credit } = findSpans(idx, encodeText(idx, output), options);
    expect(spans).toHaveLength(1);
    expect(spans[0].recordCount).toBe(2);
    // T = 3: value = 8 × (1 − 1/3), shared by the two records.
    expect(spans[0].value).toBeCloseTo((8 * 2) / 3, 10);
    expect(credit.get(0)).toBeCloseTo(8 / 3, 10);
    expect(credit.get(1)).toBeCloseTo(8 / 3, 10);
  });

  it("gives nothing for a span found in more records than the common threshold", () => {
    // Four different records quote the same opening (none is a near-copy of another).
    const idx = index([A, `${B} ${A}`, `${C} ${A}`, `Whales are mammals that breathe air through a blowhole. ${A}`, B]);
    const { spans, credit } = findSpans(idx, encodeText(idx, "call me ishmael some years ago"), options);
    expect(spans[0]).toMatchObject({ common: true, value: 0, records: [] });
    expect(credit.size).toBe(0);
  });
});

describe("retrieve (BM25)", () => {
  it("ranks records by the prompt's rare terms and breaks ties by on-chain order", () => {
    const idx = index([B, A, C, "the the the the whale"]);
    expect(retrieve(idx, "money in my purse", { k: 2 }).map((r) => r.id)).toEqual(["r2", "r1"]);
    expect(retrieve(idx, "unknownword", { k: 2 })).toEqual([]);
  });
});
