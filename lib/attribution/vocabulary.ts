/**
 * A lookup from ASCII terms to term ids that reads the term straight out of the text being
 * indexed (lowercasing as it goes), so the index builder creates no string for a term it has
 * seen before. It is only a fast path: every term is also in the index's `termIds` map.
 */

import { asciiTermHash } from "./tokenizer";

// Each slot is four words: hash, term id (0 = empty), offset of the term's characters in
// `chars`, and length. One probe touches one cache line and no string object.
const STRIDE = 4;

function lower(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/** Open-addressing table of ASCII terms and their ids, the terms' characters in one byte pool. */
export class AsciiTermTable {
  private slots = new Int32Array((1 << 16) * STRIDE);
  private chars = new Uint8Array(1 << 18);
  private charCount = 0;
  private count = 0;

  /**
   * Id of `text.slice(start, end).toLowerCase()` (all ASCII), or 0 when the term is not in the
   * table; `h` is `asciiTermHash(text, start, end)`.
   */
  find(text: string, start: number, end: number, h: number): number {
    const slots = this.slots;
    const chars = this.chars;
    const mask = (slots.length >> 2) - 1;
    const length = end - start;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const at = slot << 2;
      const id = slots[at + 1];
      if (id === 0) return 0;
      if (slots[at] !== h || slots[at + 3] !== length) continue;
      const offset = slots[at + 2];
      let k = 0;
      while (k < length && chars[offset + k] === lower(text.charCodeAt(start + k))) k++;
      if (k === length) return id;
    }
  }

  /** Adds a lowercase term with its id; terms with non-ASCII characters are ignored. */
  add(term: string, id: number): void {
    for (let i = 0; i < term.length; i++) if (term.charCodeAt(i) >= 128) return;
    const h = asciiTermHash(term, 0, term.length);
    if ((this.count + 1) * 2 > this.slots.length >> 2) this.grow();
    while (this.charCount + term.length > this.chars.length) {
      const bigger = new Uint8Array(this.chars.length * 2);
      bigger.set(this.chars);
      this.chars = bigger;
    }
    const offset = this.charCount;
    for (let i = 0; i < term.length; i++) this.chars[offset + i] = term.charCodeAt(i);
    this.charCount += term.length;
    this.place(h, id, offset, term.length);
    this.count++;
  }

  private place(h: number, id: number, offset: number, length: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 2) - 1;
    let slot = h & mask;
    while (slots[(slot << 2) + 1] !== 0) slot = (slot + 1) & mask;
    const at = slot << 2;
    slots[at] = h;
    slots[at + 1] = id;
    slots[at + 2] = offset;
    slots[at + 3] = length;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at + 1] !== 0) this.place(old[at], old[at + 1], old[at + 2], old[at + 3]);
    }
  }
}
