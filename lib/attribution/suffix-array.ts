/**
 * Suffix array construction by induced sorting (SA-IS, Nong, Zhang & Chan 2009): linear time
 * over an integer alphabet, on typed arrays, never comparing substrings. The engine runs it
 * over token ids, so the "characters" are whole words.
 */

/**
 * Returns the suffix array of `text`: the start positions of all suffixes in increasing
 * lexicographic order, where a shorter suffix that is a prefix of a longer one sorts first.
 * Every value of `text` must be an integer in `[0, alphabetSize)`.
 */
export function buildSuffixArray(text: Int32Array, alphabetSize: number): Int32Array {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (c < 0 || c >= alphabetSize) throw new RangeError(`token id ${c} at ${i} is outside [0, ${alphabetSize})`);
  }
  if (n <= SMALL_INPUT) return naiveSuffixArray(text);
  const sa = new Int32Array(n);
  // One buffer of slot pairs serves every recursion level (see `induce`), and one scratch pool
  // holds every level's other arrays: a few large allocations instead of dozens, since each
  // large allocation pushes the garbage collector towards a full collection.
  const slots = new Int32Array(2 * n);
  saIs(text, alphabetSize - 1, slots, new Scratch(4 * n + 4 * alphabetSize + 64));
  for (let i = 0; i < n; i++) sa[i] = slots[2 * i];
  return sa;
}

// Below this size allocating SA-IS's arrays costs more than comparing suffixes directly.
const SMALL_INPUT = 24;

// A bump allocator of zeroed Int32Array views, in chunks.
class Scratch {
  private chunk: Int32Array;
  private used = 0;

  constructor(size: number) {
    this.chunk = new Int32Array(size);
  }

  take(size: number): Int32Array {
    if (this.used + size > this.chunk.length) {
      this.chunk = new Int32Array(Math.max(size, this.chunk.length >> 1));
      this.used = 0;
    }
    const view = this.chunk.subarray(this.used, this.used + size);
    this.used += size;
    return view;
  }
}

// Sorts the suffixes of `s` (values at most `upper`) and leaves the suffix array in the even
// words of slots[0, 2n). Memory access dominates on large inputs, so each position's character
// and type share one word, st[i] = s[i] * 2 + (S-type ? 1 : 0), and while suffixes are induced
// each slot is a pair: the suffix at 2k, the character and type of its predecessor at 2k + 1.
function saIs(s: Int32Array, upper: number, slots: Int32Array, scratch: Scratch): void {
  const n = s.length;
  if (n <= SMALL_INPUT) {
    const sa = naiveSuffixArray(s);
    for (let i = 0; i < n; i++) slots[2 * i] = sa[i];
    return;
  }

  // Suffix i is S-type when it is smaller than suffix i+1; the last suffix is L-type.
  const st = scratch.take(n);
  st[n - 1] = s[n - 1] * 2;
  let m = 0;
  for (let i = n - 2; i >= 0; i--) {
    const sType = s[i] === s[i + 1] ? st[i + 1] & 1 : s[i] < s[i + 1] ? 1 : 0;
    st[i] = s[i] * 2 + sType;
    // i + 1 is LMS when it is S-type and i is L-type.
    m += st[i + 1] & ~sType & 1;
  }

  // startL[c]: first slot of bucket c (its L-type suffixes come first);
  // startS[c]: first slot of the S-type part of bucket c; startL[c + 1] is one past bucket c.
  const startL = scratch.take(upper + 2);
  const startS = scratch.take(upper + 2);
  for (let i = 0; i < n; i++) {
    if (st[i] & 1) startL[s[i] + 1]++;
    else startS[s[i]]++;
  }
  for (let c = 0; c <= upper; c++) {
    startS[c] += startL[c];
    if (c < upper) startL[c + 1] += startS[c];
  }

  const buf = scratch.take(upper + 2);
  const lms = scratch.take(m);
  for (let i = 1, k = 0; i < n; i++) if (st[i] & 1 && (st[i - 1] & 1) === 0) lms[k++] = i;

  induce(slots, n, st, lms, null, startL, startS, buf);
  if (m === 0) return;

  // The LMS suffixes are the S-type suffixes (the S-part of each bucket) whose predecessor is
  // L-type; each slot's pair holds that predecessor's type, so this scan reads st[] nowhere.
  // lmsCounts[c]: how many LMS suffixes start with c, so that the second induce places them
  // without looking their first character up.
  const sortedLms = scratch.take(m);
  const lmsCounts = scratch.take(upper + 1);
  let k = 0;
  for (let c = 0; c <= upper; c++) {
    const before = k;
    for (let i = 2 * startS[c], end = 2 * startL[c + 1]; i < end; i += 2) if ((slots[i + 1] & 1) === 0) sortedLms[k++] = slots[i];
    lmsCounts[c] = k - before;
  }

  // Name the LMS substrings in sorted order (equal substrings, equal names). LMS positions are
  // at least two apart, so values can be parked at names[pos >> 1]: first each LMS substring's
  // length (up to and including the next LMS position; 0 for the last one, which runs into the
  // end and is unique), so that only substrings of equal length are compared; then the name.
  const names = scratch.take((n >> 1) + 1);
  for (let j = 0; j + 1 < m; j++) names[lms[j] >> 1] = lms[j + 1] - lms[j] + 1;
  let name = 0;
  let prevLength = names[sortedLms[0] >> 1];
  names[sortedLms[0] >> 1] = 0;
  for (let i = 1; i < m; i++) {
    const a = sortedLms[i - 1];
    const b = sortedLms[i];
    const length = names[b >> 1];
    if (length === 0 || length !== prevLength || !sameSymbols(st, a, b, length)) name++;
    names[b >> 1] = name;
    prevLength = length;
  }

  if (name + 1 === m) {
    // Every LMS substring is distinct: their order is the order of the LMS suffixes, no recursion.
    for (let j = 0; j < m; j++) sortedLms[names[lms[j] >> 1]] = lms[j];
  } else {
    const reduced = scratch.take(m);
    for (let j = 0; j < m; j++) reduced[j] = names[lms[j] >> 1];
    saIs(reduced, name, slots, scratch);
    for (let i = 0; i < m; i++) sortedLms[i] = lms[slots[2 * i]];
  }
  induce(slots, n, st, sortedLms, lmsCounts, startL, startS, buf);
}

// Induced sorting over slot pairs: places the LMS suffixes (in the given order) in their
// buckets, then derives the order of the L-type suffixes left to right and of the S-type ones
// right to left. Whenever suffix v is written to a slot, st[v - 1] is read then (next to
// st[v], just read) and written beside it, so the scans read the pairs in order instead of
// jumping through st[]; the random reads leave the loop's critical path and the CPU overlaps
// them, and each placement writes one cache line. With `lmsCounts` the LMS suffixes come
// sorted, so their first characters are known from the counts.
function induce(
  slots: Int32Array,
  n: number,
  st: Int32Array,
  lms: Int32Array,
  lmsCounts: Int32Array | null,
  startL: Int32Array,
  startS: Int32Array,
  buf: Int32Array,
): void {
  const end = 2 * n;
  // 0 marks an empty slot: suffix 0 induces nothing either.
  slots.fill(0, 0, end);
  if (lmsCounts) {
    for (let c = 0, k = 0; c < lmsCounts.length; c++) {
      for (let slot = 2 * startS[c], stop = slot + 2 * lmsCounts[c]; slot < stop; slot += 2, k++) {
        const d = lms[k];
        slots[slot] = d;
        slots[slot + 1] = st[d - 1];
      }
    }
  } else {
    buf.set(startS);
    for (let k = 0; k < lms.length; k++) {
      const d = lms[k];
      const slot = 2 * buf[st[d] >> 1]++;
      slots[slot] = d;
      slots[slot + 1] = st[d - 1];
    }
  }
  buf.set(startL);
  {
    const slot = 2 * buf[st[n - 1] >> 1]++;
    slots[slot] = n - 1;
    slots[slot + 1] = st[n - 2];
  }
  for (let i = 0; i < end; i += 2) {
    const v = slots[i];
    if (v >= 1) {
      const x = slots[i + 1];
      if ((x & 1) === 0) {
        const slot = 2 * buf[x >> 1]++;
        slots[slot] = v - 1;
        slots[slot + 1] = v >= 2 ? st[v - 2] : 1; // suffix 0 has no predecessor: never LMS
      }
    }
  }
  buf.set(startL);
  for (let i = end - 2; i >= 0; i -= 2) {
    const v = slots[i];
    if (v >= 1) {
      const x = slots[i + 1];
      if (x & 1) {
        const slot = 2 * --buf[(x >> 1) + 1];
        slots[slot] = v - 1;
        slots[slot + 1] = v >= 2 ? st[v - 2] : 1; // suffix 0 has no predecessor: never LMS
      }
    }
  }
}

// True when the `length` characters and types at a and at b are equal.
function sameSymbols(st: Int32Array, a: number, b: number, length: number): boolean {
  for (let d = 0; d < length; d++) if (st[a + d] !== st[b + d]) return false;
  return true;
}

/**
 * Reference construction for tests: sorts suffixes by direct comparison. Quadratic; never used
 * by the engine.
 */
export function naiveSuffixArray(text: Int32Array): Int32Array {
  const n = text.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    while (a < n && b < n) {
      if (text[a] !== text[b]) return text[a] - text[b];
      a++;
      b++;
    }
    return a === n ? (b === n ? 0 : -1) : 1;
  });
  return Int32Array.from(order);
}
