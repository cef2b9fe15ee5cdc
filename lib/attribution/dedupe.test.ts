import { describe, expect, it } from "vitest";
import { BucketTable, LSH_BANDS, bandKeys, jaccard, shingleHashes } from "./dedupe";
import { seededRandom } from "./testing/fixtures";


describe("BucketTable", () => {
  it("returns exactly what was inserted under each key, across many resizes", () => {
    const rnd = seededRandom(3);
    const table = new BucketTable(4);
    const reference = new Map<number, number[]>();
    for (let i = 0; i < 20_000; i++) {
      const key = Math.floor(rnd() * 20_000) * 2654435761 >>> 0;
      table.insert(key, i);
      const list = reference.get(key) ?? [];
      list.push(i);
      reference.set(key, list);
    }
    for (const [key, values] of reference) {
      const got: number[] = [];
      table.forEach(key, (v) => got.push(v));
      expect(got.reverse()).toEqual(values);
    }
  });
});

describe("MinHash bands", () => {
  const base = Int32Array.from({ length: 300 }, (_, i) => 1 + ((i * 7919) % 5000));

  it("agree on every band for equal token streams and rarely for unrelated ones", () => {
    expect(Array.from(bandKeys(shingleHashes(base, 3)))).toEqual(Array.from(bandKeys(shingleHashes(Int32Array.from(base), 3))));
    const other = Int32Array.from({ length: 300 }, (_, i) => 6000 + i);
    const a = bandKeys(shingleHashes(base, 3));
    const b = bandKeys(shingleHashes(other, 3));
    expect(a.filter((k, i) => k === b[i]).length).toBe(0);
    expect(a.length).toBe(LSH_BANDS);
  });

  it("make a light edit a candidate (shares a band) and measure its exact Jaccard above 0.7", () => {
    const edited = Int32Array.from(base);
    for (const i of [40, 150, 260]) edited[i] = 99_999;
    const sa = shingleHashes(base, 3);
    const sb = shingleHashes(edited, 3);
    expect(jaccard(sa, sb)).toBeGreaterThan(0.9);
    const ka = bandKeys(sa);
    const kb = bandKeys(sb);
    expect(ka.some((k, i) => k === kb[i])).toBe(true);
    expect(jaccard(sa, shingleHashes(Int32Array.from({ length: 300 }, (_, i) => 7000 + i), 3))).toBe(0);
  });
});
