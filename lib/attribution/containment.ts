/**
 * Copy detection by containment (engine behaviour `containmentCopies`): the share of a record's
 * tokens covered by long runs (at least `containmentSpanTokens`, default 12) that also occur in
 * earlier records. A copy padded with other text, or with some sentences disguised, still has
 * most of its tokens in such runs, while its Jaccard similarity to any one earlier record is low.
 *
 * Runs are found by winnowing (Schleimer, Wilkerson & Aiken 2003): every record keeps the
 * smallest hash of each window of W consecutive K-token grams (K = 7, W = G − K + 1), so any
 * shared run of at least G tokens shares a kept gram, and each kept gram of a new record is
 * looked up in a table of the earlier records' kept grams, then verified and extended by direct
 * comparison of the two records' tokens: the covered runs are exact, never estimated. About
 * 2 / (W + 1) of the tokens are kept (2/7 at G = 12). The table is derived data (rebuilt when an
 * index is loaded); the verdicts it gives are stored with the records (`original`).
 */
import { finish32, mix32 } from "./hashing";

/** Tokens per hashed gram. */
export const GRAM_TOKENS = 7;
/** Earlier records checked per kept gram (newest first): a phrase in thousands of records costs no more. */
const HOLDERS_PER_GRAM = 16;

/** Kept grams of a record: offsets and hashes, in offset order. */
export type Fingerprints = { offsets: Int32Array; hashes: Uint32Array };

// Scratch buffers of `winnow` (never reentered): the gram hashes, and the kept grams.
let gramScratch = new Uint32Array(1024);
let offsetScratch = new Int32Array(1024);
let hashScratch = new Uint32Array(1024);
const NO_GRAM = 0xffffffff;
// The rolling gram hash: Σ token × B^(K−1−j) mod 2^32, B = 0x01000193; ROLL_OUT = B^K removes
// the token that leaves the gram.
const ROLL_BASE = 0x01000193;
let ROLL_OUT = 1;
for (let j = 0; j < GRAM_TOKENS; j++) ROLL_OUT = Math.imul(ROLL_OUT, ROLL_BASE);

/**
 * The winnowed gram fingerprints of `tokens` for runs of at least `runTokens` (≥ GRAM_TOKENS):
 * views of scratch buffers, valid until the next call. Grams holding a token id below 1 (a term
 * the index does not know) are never kept.
 */
export function winnow(tokens: Int32Array, runTokens: number): Fingerprints {
  const k = GRAM_TOKENS;
  const w = Math.max(1, runTokens - k + 1);
  const grams = tokens.length - k + 1;
  if (grams <= 0) return { offsets: offsetScratch.subarray(0, 0), hashes: hashScratch.subarray(0, 0) };
  if (gramScratch.length < grams) {
    gramScratch = new Uint32Array(grams * 2);
    offsetScratch = new Int32Array(grams * 2);
    hashScratch = new Uint32Array(grams * 2);
  }
  const hashes = gramScratch;
  // Rolling polynomial hash of each gram, then avalanched; NO_GRAM marks a gram with an unknown term.
  let roll = 0;
  let lastBad = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t < 1) lastBad = i;
    roll = (Math.imul(roll, ROLL_BASE) + t) | 0;
    if (i >= k) roll = (roll - Math.imul(tokens[i - k], ROLL_OUT)) | 0;
    const g = i - k + 1;
    if (g < 0) continue;
    const h = finish32(mix32(0x2f0b3c1d, roll));
    hashes[g] = lastBad >= g ? NO_GRAM : h === NO_GRAM ? NO_GRAM - 1 : h;
  }
  // Each window of w grams keeps its rightmost smallest hash; a position is kept once.
  let count = 0;
  let last = -1;
  let best = -1;
  const windows = Math.max(1, grams - w + 1);
  for (let s = 0; s < windows; s++) {
    const e = Math.min(s + w, grams) - 1;
    if (best < s) {
      best = s;
      for (let i = s + 1; i <= e; i++) if (hashes[i] <= hashes[best]) best = i;
    } else if (hashes[e] <= hashes[best]) {
      best = e;
    }
    if (best !== last && hashes[best] !== NO_GRAM) {
      offsetScratch[count] = best;
      hashScratch[count++] = hashes[best];
      last = best;
    }
  }
  return { offsets: offsetScratch.subarray(0, count), hashes: hashScratch.subarray(0, count) };
}

/**
 * Kept grams of all records: gram hash -> (record, offset), append-only, newest first per hash.
 * Shared by the snapshots of one index lineage; a snapshot reads only its own records' entries.
 */
export class GramTable {
  private slotKeys = new Uint32Array(1 << 12);
  private slotHeads = new Int32Array(1 << 12).fill(-1);
  private records = new Int32Array(1 << 12);
  private offsets = new Int32Array(1 << 12);
  private next = new Int32Array(1 << 12);
  private used = 0;
  private entries = 0;
  /** Records registered so far (records are registered in order). */
  registered = 0;

  /** Bytes its arrays take (for the benchmark's memory figures). */
  get byteLength(): number {
    return this.slotKeys.byteLength + this.slotHeads.byteLength + this.records.byteLength + this.offsets.byteLength + this.next.byteLength;
  }

  /** Makes room for about `count` more entries at once. */
  reserve(count: number): void {
    let size = this.records.length;
    while (size < this.entries + count) size *= 2;
    if (size > this.records.length) {
      this.records = grown(this.records, size);
      this.offsets = grown(this.offsets, size);
      this.next = grown(this.next, size);
    }
    let slots = this.slotKeys.length;
    while ((this.used + count) * 2 > slots) slots *= 2;
    if (slots > this.slotKeys.length) this.rehash(slots);
  }

  /** Registers the kept grams of record `record`. */
  add(record: number, prints: Fingerprints): void {
    for (let i = 0; i < prints.hashes.length; i++) this.insert(prints.hashes[i], record, prints.offsets[i]);
    this.registered = record + 1;
  }

  /** First entry under `key` (newest), or -1. */
  first(key: number): number {
    return this.slotHeads[this.findSlot(key)];
  }

  /** The entry after `entry` under the same key, or -1. */
  nextEntry(entry: number): number {
    return this.next[entry];
  }

  /** Record of `entry`. */
  recordOf(entry: number): number {
    return this.records[entry];
  }

  /** Gram offset of `entry` in its record. */
  offsetOf(entry: number): number {
    return this.offsets[entry];
  }

  private insert(key: number, record: number, offset: number): void {
    if ((this.used + 1) * 2 > this.slotKeys.length) this.rehash(this.slotKeys.length * 2);
    if (this.entries === this.records.length) {
      const size = this.records.length * 2;
      this.records = grown(this.records, size);
      this.offsets = grown(this.offsets, size);
      this.next = grown(this.next, size);
    }
    const slot = this.findSlot(key);
    if (this.slotHeads[slot] === -1) {
      this.slotKeys[slot] = key;
      this.used++;
    }
    this.records[this.entries] = record;
    this.offsets[this.entries] = offset;
    this.next[this.entries] = this.slotHeads[slot];
    this.slotHeads[slot] = this.entries++;
  }

  private findSlot(key: number): number {
    const mask = this.slotKeys.length - 1;
    let slot = key & mask;
    while (this.slotHeads[slot] !== -1 && this.slotKeys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
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

function grown(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** How much of a record earlier records cover. */
export type Containment = {
  /** Tokens of the record inside a shared run of at least the run length. */
  covered: number;
  /** The record's tokens. */
  tokens: number;
  /** Earlier records with covered tokens, by tokens covered (descending), then record number. */
  sources: { record: number; tokens: number }[];
};

/**
 * Containment of `own` in the records before `limit`: `prints` are `own`'s kept grams,
 * `tokensOf(r)` gives record r's token ids. Pure given the table's entries for records < limit.
 */
export function containmentOf(
  own: Int32Array,
  prints: Fingerprints,
  limit: number,
  table: GramTable,
  runTokens: number,
  tokensOf: (record: number) => Int32Array,
): Containment {
  const n = own.length;
  const covered = new Uint8Array(n);
  // Per earlier record: tokens covered by runs shared with it, and its last run (diagonal, end),
  // so that the kept grams along one run are extended once.
  const byRecord = new Map<number, { tokens: number; diagonal: number; end: number; other: Int32Array }>();
  for (let g = 0; g < prints.offsets.length; g++) {
    const p = prints.offsets[g];
    let checked = 0;
    for (let e = table.first(prints.hashes[g]); e !== -1 && checked < HOLDERS_PER_GRAM; e = table.nextEntry(e)) {
      const c = table.recordOf(e);
      if (c >= limit) continue;
      checked++;
      const q = table.offsetOf(e);
      let state = byRecord.get(c);
      if (state && state.diagonal === q - p && p < state.end) continue;
      const other = state ? state.other : tokensOf(c);
      let k = 0;
      while (k < GRAM_TOKENS && own[p + k] === other[q + k]) k++;
      if (k < GRAM_TOKENS) continue; // a hash collision
      let s = p;
      let t = q;
      while (s > 0 && t > 0 && own[s - 1] === other[t - 1] && own[s - 1] > 0) {
        s--;
        t--;
      }
      let end = p + GRAM_TOKENS;
      let u = q + GRAM_TOKENS;
      while (end < n && u < other.length && own[end] === other[u] && own[end] > 0) {
        end++;
        u++;
      }
      if (!state) {
        state = { tokens: 0, diagonal: 0, end: 0, other };
        byRecord.set(c, state);
      }
      state.diagonal = q - p;
      state.end = end;
      if (end - s < runTokens) continue;
      state.tokens += end - s;
      covered.fill(1, s, end);
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) count += covered[i];
  const sources = [...byRecord]
    .filter(([, s]) => s.tokens > 0)
    .map(([record, s]) => ({ record, tokens: Math.min(s.tokens, n) }))
    .sort((a, b) => b.tokens - a.tokens || a.record - b.record);
  return { covered: count, tokens: n, sources };
}
