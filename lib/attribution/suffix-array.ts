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
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c < 0 || c >= alphabetSize) throw new RangeError(`token id ${c} at ${i} is outside [0, ${alphabetSize})`);
  }
  return saIs(text, alphabetSize - 1);
}

const SMALL_INPUT = 24;

// `upper` is the largest value that may occur in `s`. Memory access dominates on large inputs,
// so each position's character and type share one word: st[i] = s[i] * 2 + (S-type ? 1 : 0).
function saIs(s: Int32Array, upper: number): Int32Array {
  const n = s.length;
  if (n === 0) return new Int32Array(0);
  if (n === 1) return Int32Array.of(0);
  if (n === 2) return s[0] < s[1] ? Int32Array.of(0, 1) : Int32Array.of(1, 0);
  // Below this size allocating SA-IS's arrays costs more than comparing suffixes directly.
  if (n <= SMALL_INPUT) return naiveSuffixArray(s);

  const sa = new Int32Array(n);
  // Suffix i is S-type when it is smaller than suffix i+1; the last suffix is L-type.
  const st = new Int32Array(n);
  st[n - 1] = s[n - 1] * 2;
  for (let i = n - 2; i >= 0; i--) {
    const sType = s[i] === s[i + 1] ? st[i + 1] & 1 : s[i] < s[i + 1] ? 1 : 0;
    st[i] = s[i] * 2 + sType;
  }

  // startL[c]: first slot of bucket c (its L-type suffixes come first);
  // startS[c]: first slot of the S-type part of bucket c; startL[c + 1] is one past bucket c.
  const startL = new Int32Array(upper + 2);
  const startS = new Int32Array(upper + 2);
  for (let i = 0; i < n; i++) {
    if (st[i] & 1) startL[s[i] + 1]++;
    else startS[s[i]]++;
  }
  for (let c = 0; c <= upper; c++) {
    startS[c] += startL[c];
    if (c < upper) startL[c + 1] += startS[c];
  }

  const buf = new Int32Array(upper + 2);
  let m = 0;
  for (let i = 1; i < n; i++) if (isLms(st, i)) m++;
  const lms = new Int32Array(m);
  for (let i = 1, k = 0; i < n; i++) if (isLms(st, i)) lms[k++] = i;

  induce(sa, st, lms, m, startL, startS, buf);
  if (m === 0) return sa;

  const sortedLms = new Int32Array(m);
  for (let i = 0, k = 0; i < n; i++) {
    const v = sa[i];
    if (isLms(st, v)) sortedLms[k++] = v;
  }

  // Name the LMS substrings in sorted order (equal substrings, equal names). LMS positions are
  // at least two apart, so names can be parked at names[pos >> 1] and read back in text order.
  const names = new Int32Array((n >> 1) + 1);
  let name = 0;
  names[sortedLms[0] >> 1] = 0;
  for (let i = 1; i < m; i++) {
    if (!sameLmsSubstring(st, n, sortedLms[i - 1], sortedLms[i])) name++;
    names[sortedLms[i] >> 1] = name;
  }
  const reduced = new Int32Array(m);
  for (let k = 0; k < m; k++) reduced[k] = names[lms[k] >> 1];
  const reducedSa = saIs(reduced, name);
  for (let i = 0; i < m; i++) sortedLms[i] = lms[reducedSa[i]];
  induce(sa, st, sortedLms, m, startL, startS, buf);
  return sa;
}

// Induced sorting: places the LMS suffixes (in the given order) at the ends of their buckets,
// then derives the order of the L-type suffixes left to right and of the S-type ones right to
// left. A plain function (not a closure) so V8 keeps the arrays in registers.
function induce(
  sa: Int32Array,
  st: Int32Array,
  lms: Int32Array,
  count: number,
  startL: Int32Array,
  startS: Int32Array,
  buf: Int32Array,
): void {
  const n = sa.length;
  sa.fill(-1);
  buf.set(startS);
  for (let k = 0; k < count; k++) {
    const d = lms[k];
    sa[buf[st[d] >> 1]++] = d;
  }
  buf.set(startL);
  sa[buf[st[n - 1] >> 1]++] = n - 1;
  for (let i = 0; i < n; i++) {
    const v = sa[i];
    if (v >= 1) {
      const x = st[v - 1];
      if ((x & 1) === 0) sa[buf[x >> 1]++] = v - 1;
    }
  }
  buf.set(startL);
  for (let i = n - 1; i >= 0; i--) {
    const v = sa[i];
    if (v >= 1) {
      const x = st[v - 1];
      if (x & 1) sa[--buf[(x >> 1) + 1]] = v - 1;
    }
  }
}

// True when the LMS substrings at a and b (each up to and including the next LMS position, or
// to the end of the text) are equal in characters and types.
function sameLmsSubstring(st: Int32Array, n: number, a: number, b: number): boolean {
  if (st[a] !== st[b]) return false;
  for (let d = 1; ; d++) {
    if (a + d >= n || b + d >= n) return false; // the substring running into the end is unique
    if (st[a + d] !== st[b + d]) return false;
    // Equal characters and types so far, so both positions are LMS or neither is.
    if (isLms(st, a + d)) return true;
  }
}

// Suffix i is LMS: S-type right after an L-type suffix.
function isLms(st: Int32Array, i: number): boolean {
  return i > 0 && (st[i] & 1) === 1 && (st[i - 1] & 1) === 0;
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
