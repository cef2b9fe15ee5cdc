/**
 * Near-duplicate detection between records. Two checks, both against earlier records only:
 *  1. exact: same token sequence (hash, then a full comparison);
 *  2. near: MinHash over word shingles (one-permutation hashing with 64 bins and rotation
 *     densification), banded LSH with 21 bands of 3 bins, and every LSH candidate confirmed by
 *     the EXACT Jaccard similarity of the two shingle sets against the threshold.
 * With 21 × 3 bands a pair at Jaccard 0.7 becomes a candidate with probability
 * 1 − (1 − 0.7³)²¹ ≈ 0.9998, at 0.5 about 0.94, at 0.2 about 0.16 (then rejected exactly).
 */
import { finish32, mix32 } from "./hashing";

/** MinHash bins per record. */
export const MINHASH_BINS = 64;
/** LSH bands; each band is `BAND_ROWS` consecutive bins. */
export const LSH_BANDS = 21;
/** Bins per LSH band. */
export const BAND_ROWS = 3;

const BIN_SHIFT = 26; // top 6 bits of a 32-bit hash choose one of 64 bins
const VALUE_MASK = (1 << BIN_SHIFT) - 1;
const EMPTY = 0xffffffff;

/** Hashes of a record's word shingles (k consecutive token ids); one shingle for a shorter record. */
export function shingleHashes(tokens: Int32Array, k: number): Uint32Array {
  if (tokens.length === 0) return new Uint32Array(0);
  const count = Math.max(1, tokens.length - k + 1);
  const width = Math.min(k, tokens.length);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    let h = 0x5bd1e995;
    for (let j = 0; j < width; j++) h = mix32(h, tokens[i + j]);
    out[i] = finish32(h);
  }
  return out;
}

/** The LSH band keys of a record (empty for a record without tokens). */
export function bandKeys(shingles: Uint32Array): Uint32Array {
  if (shingles.length === 0) return new Uint32Array(0);
  const bins = new Uint32Array(MINHASH_BINS).fill(EMPTY);
  for (let i = 0; i < shingles.length; i++) {
    const h = shingles[i];
    const bin = h >>> BIN_SHIFT;
    const value = h & VALUE_MASK;
    if (value < bins[bin]) bins[bin] = value;
  }
  // Densify: an empty bin borrows the next non-empty bin to its right (circularly), marked by
  // the distance, so two records agree on it exactly when they agree on the borrowed bin.
  const dense = new Uint32Array(MINHASH_BINS);
  for (let b = 0; b < MINHASH_BINS; b++) {
    let d = 0;
    while (bins[(b + d) % MINHASH_BINS] === EMPTY) d++;
    dense[b] = bins[(b + d) % MINHASH_BINS] + d * (VALUE_MASK + 1);
  }
  const keys = new Uint32Array(LSH_BANDS);
  for (let band = 0; band < LSH_BANDS; band++) {
    let h = mix32(0x9747b28c, band);
    for (let r = 0; r < BAND_ROWS; r++) h = mix32(h, dense[band * BAND_ROWS + r]);
    keys[band] = finish32(h);
  }
  return keys;
}

/** Exact Jaccard similarity of two shingle-hash multisets taken as sets. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  const sa = new Set(a);
  const sb = new Set(b);
  let inter = 0;
  for (const v of sb) if (sa.has(v)) inter++;
  return inter / (sa.size + sb.size - inter);
}

/**
 * A multimap from 32-bit keys to record numbers on typed arrays (open addressing for keys,
 * linked lists for values), append-only. Shared by successive snapshots of one index.
 */
export class BucketTable {
  private slotKeys: Uint32Array;
  private slotHeads: Int32Array;
  private values: Int32Array;
  private next: Int32Array;
  private used = 0;
  private entries = 0;

  constructor(capacity = 1024) {
    const size = 1 << Math.ceil(Math.log2(Math.max(16, capacity * 2)));
    this.slotKeys = new Uint32Array(size);
    this.slotHeads = new Int32Array(size).fill(-1);
    this.values = new Int32Array(Math.max(16, capacity));
    this.next = new Int32Array(Math.max(16, capacity));
  }

  /** Adds `value` under `key`. */
  insert(key: number, value: number): void {
    if ((this.used + 1) * 2 > this.slotKeys.length) this.growSlots();
    if (this.entries === this.values.length) {
      const values = new Int32Array(this.values.length * 2);
      values.set(this.values);
      this.values = values;
      const next = new Int32Array(this.next.length * 2);
      next.set(this.next);
      this.next = next;
    }
    const slot = this.findSlot(key);
    if (this.slotHeads[slot] === -1) {
      this.slotKeys[slot] = key;
      this.used++;
    }
    this.values[this.entries] = value;
    this.next[this.entries] = this.slotHeads[slot];
    this.slotHeads[slot] = this.entries++;
  }

  /** Calls `visit` for every value stored under `key`, newest first. */
  forEach(key: number, visit: (value: number) => void): void {
    const slot = this.findSlot(key);
    for (let e = this.slotHeads[slot]; e !== -1; e = this.next[e]) visit(this.values[e]);
  }

  private findSlot(key: number): number {
    const mask = this.slotKeys.length - 1;
    let slot = finish32(key) & mask;
    while (this.slotHeads[slot] !== -1 && this.slotKeys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  private growSlots(): void {
    const oldKeys = this.slotKeys;
    const oldHeads = this.slotHeads;
    this.slotKeys = new Uint32Array(oldKeys.length * 2);
    this.slotHeads = new Int32Array(oldKeys.length * 2).fill(-1);
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldHeads[i] === -1) continue;
      const slot = this.findSlot(oldKeys[i]);
      this.slotKeys[slot] = oldKeys[i];
      this.slotHeads[slot] = oldHeads[i];
    }
  }
}
