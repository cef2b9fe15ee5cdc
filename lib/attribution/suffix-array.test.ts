import { describe, expect, it } from "vitest";
import { buildIndex } from "./datanet-index";
import { buildSuffixArray, naiveSuffixArray } from "./suffix-array";
import { corpusRecords, lcgRandom } from "./testing/fixtures";

describe("buildSuffixArray (SA-IS)", () => {
  it("equals a naive sort of suffixes on thousands of random small inputs", () => {
    const rnd = lcgRandom(7);
    for (let trial = 0; trial < 3000; trial++) {
      const n = Math.floor(rnd() * 70);
      const alphabet = 1 + Math.floor(rnd() * (trial % 3 === 0 ? 2 : 8));
      const text = Int32Array.from({ length: n }, () => Math.floor(rnd() * alphabet));
      expect(Array.from(buildSuffixArray(text, alphabet))).toEqual(Array.from(naiveSuffixArray(text)));
    }
  });

  it("handles the shortest inputs", () => {
    for (const text of [
      Int32Array.of(),
      Int32Array.of(0),
      Int32Array.of(2),
      Int32Array.of(1, 1),
      Int32Array.of(2, 1),
      Int32Array.of(1, 2),
    ]) {
      expect(Array.from(buildSuffixArray(text, 3))).toEqual(Array.from(naiveSuffixArray(text)));
    }
  });

  it("equals a naive sort on longer inputs: repeated blocks, large and sparse alphabets", () => {
    const rnd = lcgRandom(19);
    for (let trial = 0; trial < 60; trial++) {
      const alphabet = [2, 3, 50, 70_000][trial % 4];
      // A random block repeated with a few changes, like a corpus with near-copies.
      const block = Array.from({ length: 20 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * alphabet));
      const text: number[] = [];
      while (text.length < 2_000) for (const c of block) text.push(rnd() < 0.05 ? Math.floor(rnd() * alphabet) : c);
      const input = Int32Array.from(text);
      expect(Array.from(buildSuffixArray(input, alphabet))).toEqual(Array.from(naiveSuffixArray(input)));
    }
  });

  it("handles periodic inputs that recurse deeply", () => {
    for (const text of [
      new Int32Array(500).fill(3),
      Int32Array.from({ length: 600 }, (_, i) => i % 2),
      Int32Array.from({ length: 700 }, (_, i) => (i % 7 === 0 ? 1 : 2)),
    ]) {
      expect(Array.from(buildSuffixArray(text, 4))).toEqual(Array.from(naiveSuffixArray(text)));
    }
  });

  it("equals the naive construction on a real token stream", () => {
    const index = buildIndex(corpusRecords({ sotu: 1, moby: 1, brown: 1 }));
    const tokens = index.segments[0].tokens;
    expect(tokens.length).toBeGreaterThan(5_000);
    expect(Array.from(buildSuffixArray(tokens, index.vocabularySize))).toEqual(Array.from(naiveSuffixArray(tokens)));
  });

  it("rejects ids outside the alphabet", () => {
    expect(() => buildSuffixArray(Int32Array.of(0, 5), 5)).toThrow(RangeError);
  });
});
