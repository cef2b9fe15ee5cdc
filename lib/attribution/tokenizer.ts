/**
 * The attribution tokenizer: what a "token" is everywhere in the engine (index, spans, BM25,
 * near-duplicates, proof positions).
 *
 * A token is found in the ORIGINAL text as one of:
 *  - a maximal run of word characters — Unicode letters, combining marks and digits
 *    (`\p{L}`, `\p{M}`, `\p{N}`) — where a single apostrophe (U+0027 or U+2019) between two word
 *    characters stays inside the token (`whale's`, `don't`);
 *  - one ideograph or kana character (scripts Han, Hiragana, Katakana) with the combining marks
 *    that follow it, because those scripts do not separate words with spaces.
 * Everything else (spaces, punctuation, symbols, emoji, underscores) separates tokens.
 * The token's term is the run mapped through Unicode NFKC and then lowercased with the
 * locale-independent `String.prototype.toLowerCase` (U+2019 becomes U+0027 so both apostrophes
 * give the same term). If NFKC turns one run into several words (e.g. "¼" -> "1⁄4") it yields
 * several tokens that share the run's offsets. Offsets are UTF-16 code-unit offsets
 * `[start, end)` into the original string, so a caller can highlight exactly what was matched.
 * Known limit: Thai, Lao, Khmer and similar scripts without spaces come out as long tokens.
 *
 * With `normalize` (engine version 2, `normalize.ts`), format and default-ignorable characters
 * (zero-width spaces, soft hyphens, joiners) neither split a word nor enter its term, and
 * lookalike letters fold to the Latin letter they imitate; offsets still point into the
 * original text, invisible characters included.
 */
import { isIgnorable, normalizeTerm } from "./normalize";

/** One token: its normalized term and where it sits in the original text. */
export type Token = {
  /** NFKC-normalized, lowercased term (the unit the index counts). */
  term: string;
  /** UTF-16 offset of the first code unit of the token in the original text. */
  start: number;
  /** UTF-16 offset just after the token in the original text. */
  end: number;
};

const enum CharClass {
  Other = 0,
  Word = 1,
  Ideograph = 2,
  Apostrophe = 3,
}

const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const isWord = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  ASCII_CLASS[c] = isWord ? CharClass.Word : c === 39 ? CharClass.Apostrophe : CharClass.Other;
}

const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const IDEOGRAPH_CHAR = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u;
const MARK_CHAR = /^\p{M}$/u;
const nonAsciiCache = new Map<number, CharClass>();

function classifyNonAscii(cp: number): CharClass {
  let cls = nonAsciiCache.get(cp);
  if (cls === undefined) {
    const ch = String.fromCodePoint(cp);
    if (cp === 0x2019) cls = CharClass.Apostrophe;
    else if (IDEOGRAPH_CHAR.test(ch)) cls = CharClass.Ideograph;
    else if (WORD_CHAR.test(ch)) cls = CharClass.Word;
    else cls = CharClass.Other;
    // The cache is bounded by the number of distinct code points (at most ~1.1M entries).
    nonAsciiCache.set(cp, cls);
  }
  return cls;
}

function isMark(cp: number): boolean {
  return cp >= 0x300 && MARK_CHAR.test(String.fromCodePoint(cp));
}

// The offset after the run of combining marks starting at `i`.
function endOfMarks(text: string, i: number): number {
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    if (!isMark(cp)) break;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

function classAt(text: string, i: number): { cls: CharClass; width: number; cp: number } {
  const c = text.charCodeAt(i);
  if (c < 128) return { cls: ASCII_CLASS[c] as CharClass, width: 1, cp: c };
  const cp = text.codePointAt(i)!;
  return { cls: classifyNonAscii(cp), width: cp > 0xffff ? 2 : 1, cp };
}

/** Receives each token as it is found; `term` is already normalized. */
export type TokenSink = (term: string, start: number, end: number) => void;

/**
 * Receives an all-ASCII token as a range of the original text, without allocating its term:
 * the term is `text.slice(start, end).toLowerCase()`, and `hash` is `asciiTermHash` of it,
 * computed while scanning.
 */
export type AsciiTokenSink = (text: string, start: number, end: number, hash: number) => void;

const enum Fnv {
  Seed = 0x811c9dc5 | 0,
  Prime = 0x01000193,
}

// ASCII code units lowercased (A-Z -> a-z), the fold that ASCII terms get.
const ASCII_LOWER = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_LOWER[c] = c >= 65 && c <= 90 ? c + 32 : c;

/** 32-bit FNV-1a hash of an ASCII term's lowercased code units (the term table's hash). */
export function asciiTermHash(text: string, start: number, end: number): number {
  let h: number = Fnv.Seed;
  for (let i = start; i < end; i++) h = Math.imul(h ^ ASCII_LOWER[text.charCodeAt(i) & 127], Fnv.Prime);
  return h;
}

/**
 * Scans `text` and calls `sink` for every token in order; `tokenize` wraps it into an array.
 * With `asciiSink`, all-ASCII tokens (most of English) go there instead, as offsets and a hash,
 * so the index builder can look their terms up without creating a string per token.
 */
export function scanTokens(text: string, sink: TokenSink, asciiSink?: AsciiTokenSink, normalize = false): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c < 128) {
      if (ASCII_CLASS[c] !== CharClass.Word) {
        i++;
        continue;
      }
      // Fast path: a run of ASCII letters and digits, hashed as it is read. A run that goes on
      // with an apostrophe or a non-ASCII character is scanned again by the general path below.
      const start = i;
      let h: number = Fnv.Seed;
      do {
        h = Math.imul(h ^ ASCII_LOWER[c], Fnv.Prime);
        if (++i === n) break;
        c = text.charCodeAt(i);
      } while (c < 128 && ASCII_CLASS[c] === CharClass.Word);
      if (i === n || (c < 128 && c !== 39)) {
        if (asciiSink) asciiSink(text, start, i, h);
        else sink(text.slice(start, i).toLowerCase(), start, i);
        continue;
      }
      i = scanRun(text, start, sink, asciiSink, normalize);
      continue;
    }
    const first = classAt(text, i);
    if (normalize && isIgnorable(first.cp)) {
      i += first.width;
      continue;
    }
    if (first.cls === CharClass.Ideograph) {
      const end = endOfMarks(text, i + first.width);
      emitNormalized(text.slice(i, end), i, end, sink, normalize);
      i = end;
      continue;
    }
    if (first.cls !== CharClass.Word) {
      i += first.width;
      continue;
    }
    i = scanRun(text, i, sink, asciiSink, normalize);
  }
}

// Scans the word run that starts at `start` (a word character), emits it, returns its end.
function scanRun(text: string, start: number, sink: TokenSink, asciiSink: AsciiTokenSink | undefined, normalize: boolean): number {
  const n = text.length;
  const first = classAt(text, start);
  let ascii = first.cp < 128;
  let i = start + first.width;
  while (i < n) {
    const d = text.charCodeAt(i);
    if (d < 128) {
      const cls = ASCII_CLASS[d];
      if (cls === CharClass.Word) {
        i++;
        continue;
      }
      if (cls !== CharClass.Apostrophe) break;
    }
    const here = d < 128 ? { cls: CharClass.Apostrophe, width: 1, cp: d } : classAt(text, i);
    if (normalize && d >= 128 && isIgnorable(here.cp)) {
      // Invisible inside a word: the word goes on, the character leaves its term.
      ascii = false;
      i += here.width;
      continue;
    }
    if (here.cls === CharClass.Word) {
      ascii = false;
      i += here.width;
      continue;
    }
    if (here.cls === CharClass.Apostrophe && i + here.width < n) {
      const next = classAt(text, i + here.width);
      if (next.cls === CharClass.Word) {
        if (here.cp !== 39 || next.cp >= 128) ascii = false;
        i += here.width + next.width;
        continue;
      }
    }
    break;
  }
  if (ascii) {
    if (asciiSink) asciiSink(text, start, i, asciiTermHash(text, start, i));
    else sink(text.slice(start, i).toLowerCase(), start, i);
  } else {
    emitNormalized(text.slice(start, i), start, i, sink, normalize);
  }
  return i;
}

function emitNormalized(raw: string, start: number, end: number, sink: TokenSink, normalize: boolean): void {
  const folded = normalize
    ? normalizeTerm(raw)
    : raw
        .normalize("NFKC")
        .toLowerCase()
        .replace(/\u2019/g, "'");
  // NFKC may have produced separators or several ideographs: split again, keep the run's offsets.
  scanNormalized(folded, (term) => sink(term, start, end));
}

// Scans text that is already NFKC + lowercase; never re-normalizes (NFKC is idempotent).
function scanNormalized(folded: string, sink: TokenSink): void {
  const n = folded.length;
  let i = 0;
  while (i < n) {
    const here = classAt(folded, i);
    if (here.cls === CharClass.Ideograph) {
      const end = endOfMarks(folded, i + here.width);
      sink(folded.slice(i, end), i, end);
      i = end;
      continue;
    }
    if (here.cls !== CharClass.Word) {
      i += here.width;
      continue;
    }
    const start = i;
    i += here.width;
    while (i < n) {
      const cur = classAt(folded, i);
      if (cur.cls === CharClass.Word) {
        i += cur.width;
        continue;
      }
      if (cur.cls === CharClass.Apostrophe && i + cur.width < n && classAt(folded, i + cur.width).cls === CharClass.Word) {
        i += cur.width;
        continue;
      }
      break;
    }
    sink(folded.slice(start, i), start, i);
  }
}

/** Splits `text` into tokens (see the module comment for exactly what a token is). */
export function tokenize(text: string, normalize = false): Token[] {
  const tokens: Token[] = [];
  scanTokens(text, (term, start, end) => tokens.push({ term, start, end }), undefined, normalize);
  return tokens;
}
