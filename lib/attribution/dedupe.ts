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
const EMPTY = VALUE_MASK + 1;

/**
 * Hashes of a record's word shingles (k consecutive token ids); one shingle for a shorter record.
 * With `into` long enough, they are written there and a view of it is returned.
 */
export function shingleHashes(tokens: Int32Array, k: number, into?: Uint32Array): Uint32Array {
  const count = tokens.length === 0 ? 0 : Math.max(1, tokens.length - k + 1);
  const width = Math.min(k, tokens.length);
  const out = into && into.length >= count ? into.subarray(0, count) : new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    let h = 0x5bd1e995;
    for (let j = 0; j < width; j++) h = mix32(h, tokens[i + j]);
    out[i] = finish32(h);
  }
  return out;
}

// Scratch space of `bandKeys` (never reentered).
const bins = new Int32Array(MINHASH_BINS);
const dense = new Uint32Array(MINHASH_BINS);

/**
 * The LSH band keys of a record (empty for a record without tokens); with `into` (LSH_BANDS
 * long) they are written there.
 */
export function bandKeys(shingles: Uint32Array, into?: Uint32Array): Uint32Array {
  if (shingles.length === 0) return new Uint32Array(0);
  // Values are below 2^26, so the bins stay small integers; EMPTY is above every value.
  bins.fill(EMPTY);
  for (let i = 0; i < shingles.length; i++) {
    const h = shingles[i] | 0;
    const bin = h >>> BIN_SHIFT;
    const value = h & VALUE_MASK;
    if (value < bins[bin]) bins[bin] = value;
  }
  // Densify: an empty bin borrows the next non-empty bin to its right (circularly), marked by
  // the distance, so two records agree on it exactly when they agree on the borrowed bin.
  for (let b = 0; b < MINHASH_BINS; b++) {
    let d = 0;
    while (bins[(b + d) & (MINHASH_BINS - 1)] === EMPTY) d++;
    dense[b] = bins[(b + d) & (MINHASH_BINS - 1)] + d * (VALUE_MASK + 1);
  }
  const keys = into ?? new Uint32Array(LSH_BANDS);
  for (let band = 0; band < LSH_BANDS; band++) {
    let h = mix32(0x9747b28c, band);
    for (let r = 0; r < BAND_ROWS; r++) h = mix32(h, dense[band * BAND_ROWS + r]);
    keys[band] = finish32(h);
  }
  return keys;
}

/** Exact Jaccard similarity of two shingle-hash multisets taken as sets. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  return new ShingleSet(a).jaccard(b);
}

/**
 * One record's shingle hashes as a set, hashed once, for the exact Jaccard similarity against
 * many other records (a new record is checked against each of its LSH candidates). Reusable:
 * `load` replaces the set.
 */
export class ShingleSet {
  // marks: 0 for an empty slot, otherwise the last `visit` that counted the slot's hash (1: none).
  private readonly own = new HashSlots();
  // The other record's hashes that this set lacks, so that `jaccard` counts each once.
  private readonly outside = new HashSlots();
  private size = 0;
  private visit = 1;

  constructor(hashes: Uint32Array = new Uint32Array(0)) {
    this.load(hashes);
  }

  /** Makes this the set of `hashes`. */
  load(hashes: Uint32Array): void {
    const own = this.own;
    own.reset(hashes.length);
    this.visit = 1;
    let size = 0;
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i] | 0;
      const slot = own.slotOf(h);
      if (own.marks[slot] === 0) {
        own.keys[slot] = h;
        own.marks[slot] = 1;
        size++;
      }
    }
    this.size = size;
  }

  /** Exact Jaccard similarity between this set and the set of `hashes`. */
  jaccard(hashes: Uint32Array): number {
    if (this.size === 0 && hashes.length === 0) return 1;
    const { own, outside } = this;
    const visit = ++this.visit;
    outside.reset(hashes.length);
    let shared = 0;
    let outsideCount = 0;
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i] | 0;
      const slot = own.slotOf(h);
      if (own.marks[slot] !== 0) {
        if (own.marks[slot] !== visit) {
          own.marks[slot] = visit;
          shared++;
        }
        continue;
      }
      const other = outside.slotOf(h);
      if (outside.marks[other] === 0) {
        outside.keys[other] = h;
        outside.marks[other] = 1;
        outsideCount++;
      }
    }
    return shared / (this.size + outsideCount);
  }
}

// An open-addressing table of 32-bit hashes, kept between uses. Shingle hashes are already well
// mixed, so their low bits index the table directly.
class HashSlots {
  keys = new Int32Array(0);
  /** 0 marks an empty slot. */
  marks = new Int32Array(0);
  private mask = 0;

  /** Empties the table and sizes it for `count` hashes. */
  reset(count: number): void {
    const capacity = tableSize(count);
    if (this.keys.length < capacity) {
      this.keys = new Int32Array(capacity);
      this.marks = new Int32Array(capacity);
    } else {
      this.marks.fill(0, 0, capacity);
    }
    this.mask = capacity - 1;
  }

  /** The slot holding `h`, or the empty slot where it would go. */
  slotOf(h: number): number {
    const mask = this.mask;
    let slot = h & mask;
    while (this.marks[slot] !== 0 && this.keys[slot] !== h) slot = (slot + 1) & mask;
    return slot;
  }
}

// A power of two at least twice `count`, so that probes stay short.
function tableSize(count: number): number {
  return 1 << Math.max(4, 32 - Math.clz32(Math.max(1, count * 2 - 1)));
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
    if ((this.used + 1) * 2 > this.slotKeys.length) this.rehash(this.slotKeys.length * 2);
    if (this.entries === this.values.length) this.resizeEntries(this.values.length * 2);
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
    for (let e = this.first(key); e !== -1; e = this.next[e]) visit(this.values[e]);
  }

  /**
   * The newest entry under `key`, or -1; walk on with `nextEntry` and read with `valueOf`
   * (a loop without a callback, for the hot paths).
   */
  first(key: number): number {
    return this.slotHeads[this.findSlot(key)];
  }

  /** The entry stored under the same key before `entry`, or -1. */
  nextEntry(entry: number): number {
    return this.next[entry];
  }

  /** The value of `entry`. */
  valueOf(entry: number): number {
    return this.values[entry];
  }

  private findSlot(key: number): number {
    const mask = this.slotKeys.length - 1;
    let slot = finish32(key) & mask;
    while (this.slotHeads[slot] !== -1 && this.slotKeys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  /** Makes room for `count` more insertions at once, instead of growing step by step. */
  reserve(count: number): void {
    let entries = this.values.length;
    while (entries < this.entries + count) entries *= 2;
    if (entries > this.values.length) this.resizeEntries(entries);
    let slots = this.slotKeys.length;
    while ((this.used + count) * 2 > slots) slots *= 2;
    if (slots > this.slotKeys.length) this.rehash(slots);
  }

  private resizeEntries(size: number): void {
    const values = new Int32Array(size);
    values.set(this.values);
    this.values = values;
    const next = new Int32Array(size);
    next.set(this.next);
    this.next = next;
  }

  private rehash(size: number): void {
    const oldKeys = this.slotKeys;
    const oldHeads = this.slotHeads;
    this.slotKeys = new Uint32Array(size);
    this.slotHeads = new Int32Array(size).fill(-1);
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldHeads[i] === -1) continue;
      const slot = this.findSlot(oldKeys[i]);
      this.slotKeys[slot] = oldKeys[i];
      this.slotHeads[slot] = oldHeads[i];
    }
  }
}
