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

/**
 * The winnowed gram fingerprints of `tokens` for runs of at least `runTokens` (≥ GRAM_TOKENS).
 * Grams holding a token id below 1 (a term the index does not know) are never kept.
 */
export function winnow(tokens: Int32Array, runTokens: number): Fingerprints {
  const k = GRAM_TOKENS;
  const w = Math.max(1, runTokens - k + 1);
  const grams = tokens.length - k + 1;
  if (grams <= 0) return { offsets: new Int32Array(0), hashes: new Uint32Array(0) };
  const hashes = new Float64Array(grams);
  let lastBad = -1;
  for (let i = 0; i < tokens.length; i++) if (tokens[i] < 1 && i < k - 1) lastBad = i;
  for (let i = 0; i < grams; i++) {
    if (tokens[i + k - 1] < 1) lastBad = i + k - 1;
    if (lastBad >= i) {
      hashes[i] = Number.POSITIVE_INFINITY;
      continue;
    }
    let h = 0x2f0b3c1d;
    for (let j = 0; j < k; j++) h = mix32(h, tokens[i + j]);
    hashes[i] = finish32(h);
  }
  const offsets: number[] = [];
  const kept: number[] = [];
  let last = -1;
  const windows = Math.max(1, grams - w + 1);
  for (let s = 0; s < windows; s++) {
    // The rightmost smallest hash of the window (the usual tie rule).
    let best = s;
    for (let i = s + 1; i < Math.min(s + w, grams); i++) if (hashes[i] <= hashes[best]) best = i;
    if (best !== last && hashes[best] !== Number.POSITIVE_INFINITY) {
      offsets.push(best);
      kept.push(hashes[best]);
      last = best;
    }
  }
  return { offsets: Int32Array.from(offsets), hashes: Uint32Array.from(kept) };
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
  const byRecord = new Map<number, { tokens: number; diagonal: number; end: number }>();
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
      const other = tokensOf(c);
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
        state = { tokens: 0, diagonal: 0, end: 0 };
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
