import { describe, expect, it } from "vitest";
import { buildSuffixArray, naiveSuffixArray } from "./suffix-array";
import { buildIndex } from "./datanet-index";
import { corpusRecords, seededRandom } from "./testing/fixtures";


describe("buildSuffixArray (SA-IS)", () => {
  it("equals a naive sort of suffixes on thousands of random small inputs", () => {
    const rnd = seededRandom(7);
    for (let trial = 0; trial < 3000; trial++) {
      const n = Math.floor(rnd() * 70);
      const alphabet = 1 + Math.floor(rnd() * (trial % 3 === 0 ? 2 : 8));
      const text = Int32Array.from({ length: n }, () => Math.floor(rnd() * alphabet));
      expect(Array.from(buildSuffixArray(text, alphabet))).toEqual(Array.from(naiveSuffixArray(text)));
    }
  });

  it("handles periodic inputs that recurse deeply", () => {
    for (const text of [new Int32Array(500).fill(3), Int32Array.from({ length: 600 }, (_, i) => i % 2), Int32Array.from({ length: 700 }, (_, i) => (i % 7 === 0 ? 1 : 2))]) {
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
