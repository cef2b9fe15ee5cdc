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
// `prev` is scratch space of at least s.length words, shared by all recursion levels: while
// suffixes are induced, prev[slot] caches st[sa[slot] - 1], read when the suffix is placed
// (see `induce`).
function saIs(s: Int32Array, upper: number, prev: Int32Array = new Int32Array(s.length)): Int32Array {
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
  let m = 0;
  for (let i = n - 2; i >= 0; i--) {
    const sType = s[i] === s[i + 1] ? st[i + 1] & 1 : s[i] < s[i + 1] ? 1 : 0;
    st[i] = s[i] * 2 + sType;
    // i + 1 is LMS when it is S-type and i is L-type.
    m += st[i + 1] & ~sType & 1;
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
  const lms = new Int32Array(m);
  for (let i = 1, k = 0; i < n; i++) if (st[i] & 1 && (st[i - 1] & 1) === 0) lms[k++] = i;

  induce(sa, prev, st, lms, m, null, startL, startS, buf);
  if (m === 0) return sa;

  // The LMS suffixes are the S-type suffixes (the S-part of each bucket) whose predecessor is
  // L-type; prev[] holds that predecessor's type, so this scan reads st[] nowhere.
  // lmsCounts[c]: how many LMS suffixes start with c, so that the second induce places them
  // without looking their first character up.
  const sortedLms = new Int32Array(m);
  const lmsCounts = new Int32Array(upper + 1);
  let k = 0;
  for (let c = 0; c <= upper; c++) {
    const before = k;
    for (let i = startS[c], end = startL[c + 1]; i < end; i++) if ((prev[i] & 1) === 0) sortedLms[k++] = sa[i];
    lmsCounts[c] = k - before;
  }

  // Name the LMS substrings in sorted order (equal substrings, equal names). LMS positions are
  // at least two apart, so values can be parked at names[pos >> 1]: first each LMS substring's
  // length (up to and including the next LMS position; 0 for the last one, which runs into the
  // end and is unique), so that only substrings of equal length are compared; then the name.
  const names = new Int32Array((n >> 1) + 1);
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
    const reduced = new Int32Array(m);
    for (let j = 0; j < m; j++) reduced[j] = names[lms[j] >> 1];
    const reducedSa = saIs(reduced, name, prev);
    for (let i = 0; i < m; i++) sortedLms[i] = lms[reducedSa[i]];
  }
  induce(sa, prev, st, sortedLms, m, lmsCounts, startL, startS, buf);
  return sa;
}

// Induced sorting: places the LMS suffixes (in the given order) at the ends of their buckets,
// then derives the order of the L-type suffixes left to right and of the S-type ones right to
// left. Whenever suffix v is written to a slot, st[v - 1] is read then (next to st[v], just
// read) and cached in prev[slot], so the scans read prev[] in order instead of jumping through
// st[]; the random reads leave the loop's critical path and the CPU overlaps them.
// With `lmsCounts` the LMS suffixes come sorted, so their first characters are known from the
// counts. A plain function (not a closure) so V8 keeps the arrays in registers.
function induce(
  sa: Int32Array,
  prev: Int32Array,
  st: Int32Array,
  lms: Int32Array,
  count: number,
  lmsCounts: Int32Array | null,
  startL: Int32Array,
  startS: Int32Array,
  buf: Int32Array,
): void {
  const n = sa.length;
  // 0 marks an empty slot: suffix 0 induces nothing either.
  sa.fill(0);
  if (lmsCounts) {
    for (let c = 0, k = 0; c < lmsCounts.length; c++) {
      for (let slot = startS[c], end = slot + lmsCounts[c]; slot < end; slot++, k++) {
        const d = lms[k];
        sa[slot] = d;
        prev[slot] = st[d - 1];
      }
    }
  } else {
    buf.set(startS);
    for (let k = 0; k < count; k++) {
      const d = lms[k];
      const slot = buf[st[d] >> 1]++;
      sa[slot] = d;
      prev[slot] = st[d - 1];
    }
  }
  buf.set(startL);
  {
    const slot = buf[st[n - 1] >> 1]++;
    sa[slot] = n - 1;
    prev[slot] = st[n - 2];
  }
  for (let i = 0; i < n; i++) {
    const v = sa[i];
    if (v >= 1) {
      const x = prev[i];
      if ((x & 1) === 0) {
        const slot = buf[x >> 1]++;
        sa[slot] = v - 1;
        prev[slot] = v >= 2 ? st[v - 2] : 1; // suffix 0 has no predecessor: never LMS
      }
    }
  }
  buf.set(startL);
  for (let i = n - 1; i >= 0; i--) {
    const v = sa[i];
    if (v >= 1) {
      const x = prev[i];
      if (x & 1) {
        const slot = --buf[(x >> 1) + 1];
        sa[slot] = v - 1;
        prev[slot] = v >= 2 ? st[v - 2] : 1; // suffix 0 has no predecessor: never LMS
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
