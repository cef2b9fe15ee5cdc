import { describe, expect, it } from "vitest";
import { BucketTable, bandKeys, jaccard, LSH_BANDS, ShingleSet, shingleHashes } from "./dedupe";
import { lcgRandom } from "./testing/fixtures";

describe("BucketTable", () => {
  it("returns exactly what was inserted under each key, across many resizes", () => {
    const rnd = lcgRandom(3);
    const table = new BucketTable(4);
    const reference = new Map<number, number[]>();
    for (let i = 0; i < 20_000; i++) {
      const key = (Math.floor(rnd() * 20_000) * 2654435761) >>> 0;
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

  it("gives the same entries after reserving room in advance", () => {
    const grown = new BucketTable(4);
    const reserved = new BucketTable(4);
    reserved.reserve(5_000);
    for (let i = 0; i < 5_000; i++) {
      const key = ((i % 1_700) * 2654435761) >>> 0;
      grown.insert(key, i);
      reserved.insert(key, i);
    }
    for (let k = 0; k < 1_700; k++) {
      const key = (k * 2654435761) >>> 0;
      const a: number[] = [];
      const b: number[] = [];
      for (let e = reserved.first(key); e !== -1; e = reserved.nextEntry(e)) a.push(reserved.valueOf(e));
      grown.forEach(key, (v) => b.push(v));
      expect(a).toEqual(b);
    }
  });
});

describe("exact Jaccard similarity", () => {
  // Reference: the textbook definition on JavaScript Sets.
  const reference = (a: Uint32Array, b: Uint32Array) => {
    const sa = new Set(a);
    const sb = new Set(b);
    if (sa.size === 0 && sb.size === 0) return 1;
    const shared = [...sb].filter((v) => sa.has(v)).length;
    return shared / (sa.size + sb.size - shared);
  };

  it("equals the Set definition on random multisets, with repeats, zeros, high bits and empty sets", () => {
    const rnd = lcgRandom(11);
    const reused = new ShingleSet();
    for (let trial = 0; trial < 500; trial++) {
      // A small value range forces repeats within a set and overlap between the two.
      const range = trial % 4 === 0 ? 5 : 400;
      const draw = (n: number) => Uint32Array.from({ length: n }, () => (Math.floor(rnd() * range) * 0x9e3779b1) >>> 0);
      const a = draw(Math.floor(rnd() * 300));
      const b = draw(trial % 7 === 0 ? 0 : Math.floor(rnd() * 300));
      const expected = reference(a, b);
      expect(jaccard(a, b)).toBe(expected);
      // One reusable set, loaded record after record and compared with several others.
      reused.load(a);
      expect(reused.jaccard(b)).toBe(expected);
      expect(reused.jaccard(a)).toBe(1);
      expect(reused.jaccard(b)).toBe(expected);
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

  it("give the same shingles and bands whether written into reused buffers or fresh arrays", () => {
    const shingles = new Uint32Array(1_000).fill(7);
    const bands = new Uint32Array(LSH_BANDS);
    for (const length of [0, 1, 2, 3, 50, 300]) {
      const tokens = base.subarray(0, length);
      const fresh = shingleHashes(tokens, 3);
      expect(Array.from(shingleHashes(tokens, 3, shingles))).toEqual(Array.from(fresh));
      expect(Array.from(bandKeys(shingleHashes(tokens, 3, shingles), bands))).toEqual(Array.from(bandKeys(fresh)));
    }
    // A buffer too short is not used.
    expect(Array.from(shingleHashes(base, 3, new Uint32Array(2)))).toEqual(Array.from(shingleHashes(base, 3)));
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
    expect(
      jaccard(
        sa,
        shingleHashes(
          Int32Array.from({ length: 300 }, (_, i) => 7000 + i),
          3,
        ),
      ),
    ).toBe(0);
  });
});
