/**
 * A lookup from ASCII terms to term ids that reads the term straight out of the text being
 * indexed (lowercasing as it goes), so the index builder creates no string for a term it has
 * seen before. It is only a fast path: every term is also in the index's `termIds` map.
 */

const enum Hash {
  Seed = 0x811c9dc5 | 0,
  Prime = 0x01000193,
}

function lower(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/** Open-addressing table of (hash, term id); term ids index into the shared `terms` list. */
export class AsciiTermTable {
  private ids = new Int32Array(1 << 16);
  private hashes = new Int32Array(1 << 16);
  private count = 0;

  constructor(private readonly terms: readonly string[]) {}

  /** Id of `text.slice(start, end).toLowerCase()` (all ASCII), or 0 when the term is not in the table. */
  find(text: string, start: number, end: number): number {
    let h: number = Hash.Seed;
    for (let i = start; i < end; i++) h = Math.imul(h ^ lower(text.charCodeAt(i)), Hash.Prime);
    const mask = this.ids.length - 1;
    const length = end - start;
    for (let slot = h & mask; this.ids[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.hashes[slot] !== h) continue;
      const term = this.terms[this.ids[slot]];
      if (term.length !== length) continue;
      let same = true;
      for (let k = 0; k < length && same; k++) same = term.charCodeAt(k) === lower(text.charCodeAt(start + k));
      if (same) return this.ids[slot];
    }
    return 0;
  }

  /** Adds a lowercase term with its id; terms with non-ASCII characters are ignored. */
  add(term: string, id: number): void {
    let h: number = Hash.Seed;
    for (let i = 0; i < term.length; i++) {
      const c = term.charCodeAt(i);
      if (c >= 128) return;
      h = Math.imul(h ^ c, Hash.Prime);
    }
    if ((this.count + 1) * 2 > this.ids.length) this.grow();
    this.place(h, id);
    this.count++;
  }

  private place(h: number, id: number): void {
    const mask = this.ids.length - 1;
    let slot = h & mask;
    while (this.ids[slot] !== 0) slot = (slot + 1) & mask;
    this.ids[slot] = id;
    this.hashes[slot] = h;
  }

  private grow(): void {
    const oldIds = this.ids;
    const oldHashes = this.hashes;
    this.ids = new Int32Array(oldIds.length * 2);
    this.hashes = new Int32Array(oldIds.length * 2);
    for (let i = 0; i < oldIds.length; i++) if (oldIds[i] !== 0) this.place(oldHashes[i], oldIds[i]);
  }
}
