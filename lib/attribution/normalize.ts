/**
 * Version 2 term normalisation (engine behaviour `normalizeTerms`): what makes a disguised copy
 * tokenize like its original.
 *
 *  - Unicode format characters (General_Category Cf: zero-width space U+200B, joiners
 *    U+200C/U+200D, marks U+200E/U+200F, word joiner U+2060, BOM U+FEFF, soft hyphen U+00AD, …)
 *    and the other default-ignorable code points (variation selectors, the combining grapheme
 *    joiner, Hangul fillers) are invisible: inside a word they do not split it and are dropped
 *    from its term; between words they separate nothing.
 *  - Lookalike letters are folded to the Latin letter they imitate, as UTS #39's skeleton does
 *    for them: Cyrillic `а е о р с у х і ј ѕ һ ԁ`, Greek `ο α ν ρ`, Armenian, Cherokee, Lisu, …
 *
 * The fold table below is the part of the `confusables` npm package (1.1.1) that agrees with
 * UTS #39: every entry maps one code point that NFKC and NFD leave alone (no compatibility
 * form, no accent: UTS #39 keeps `é` distinct from `e`, while the package strips accents and maps
 * `ß` to `B` or `д` to `A`, which UTS #39 does not) to the ASCII letter whose skeleton equals the
 * code point's skeleton in Unicode's confusables.txt 14.0. Of the package's 916 single-letter
 * entries, 256 agree and are kept (the test checks each against the package). The table is
 * part of the engine version: changing it changes terms, so it is frozen for version 2.
 * Not folded: ASCII lookalikes among themselves (`rn`/`m`, `0`/`o`, `1`/`l`), which would merge
 * ordinary words and numbers; a copy disguised that way is still found by containment when at
 * least most of it is left as it was.
 */

/** Lookalike letters by the ASCII letter they fold to (frozen for engine version 2). */
export const CONFUSABLE_FOLDS: Readonly<Record<string, string>> = {
  a: "ɑΑαАаᎪᗅꓮ𐊠",
  b: "ƄΒВЬᏏᏴᑲᖯᗷꓐꞴ𐊂𐊡𐌁",
  c: "СсᏟᴄⲤⲥꓚꮯ𐊢𐌂𐐕𐐽",
  d: "ԁᎠᏧᑯᗞᗪꓒꓓ",
  e: "ΕЕеҽᎬⴹꓰꬲ𐊆",
  f: "ϜᖴẝꓝꞘꞙꬵ𐊇𐊥",
  g: "ɡԌցᏀᏳᶃꓖ",
  h: "ΗНһհᎻᏂᕼⲎꓧ𐋏",
  i: "іᎥⲒꙇꭵ",
  j: "ͿϳЈјᎫᒍꓙꞲ",
  k: "ΚКᏦᛕⲔꓗ",
  l: "ƖǀΙІӀוןᏞᒪⳐꓡ𐐛",
  m: "ΜϺМᎷᗰᛖⲘꓟ𐊰𐌑",
  n: "ΝոռⲚꓠ",
  o: "ΟοσОоՕօଠဝჿᴏᴑⲞⲟⵔꓳꬽ𐊒𐊫𐐄𐐬𐓂𐓪",
  p: "ΡρРрᏢᑭⲢⲣꓑ𐊕",
  q: "ԛգզⵕ",
  r: "ƦгᎡᏒᖇᴦⲅꓣꭇꭈꮁ𐒴",
  s: "ЅѕՏᏕᏚꓢꜱꮪ𐊖𐐠𐑈",
  t: "ΤТᎢⲦꓔ𐊗𐊱𐌕",
  u: "ʋυՍսᑌᴜꓴꞟꭎꭒ𐓎𐓶",
  v: "νѴѵטᏙᐯᴠⴸꓦꮩ",
  w: "ɯѡԜԝաᎳᏔᴡꓪꮃ",
  x: "ΧХхᕁᕽᚷⲬⵝꓫꞳ𐊐𐊴𐌗",
  y: "ɣʏΥγуҮүყᶌỿⲨꓬꭚ𐊲",
  z: "ΖᏃᴢꓜꮓ",
};

const FOLD = new Map<number, string>();
for (const [latin, lookalikes] of Object.entries(CONFUSABLE_FOLDS)) {
  for (const ch of lookalikes) FOLD.set(ch.codePointAt(0)!, latin);
}

const IGNORABLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
const IGNORABLE_ALL = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
const ignorableCache = new Map<number, boolean>();

/** True for a format or default-ignorable code point (never ASCII). */
export function isIgnorable(cp: number): boolean {
  if (cp < 0xad) return false;
  let ignorable = ignorableCache.get(cp);
  if (ignorable === undefined) {
    ignorable = IGNORABLE.test(String.fromCodePoint(cp));
    ignorableCache.set(cp, ignorable);
  }
  return ignorable;
}

/**
 * The version 2 term of a raw word run: ignorables dropped, NFKC, lookalikes folded to Latin,
 * lowercased, `’` as `'`. An uppercase lookalike whose lowercase form is not one itself (Cyrillic
 * `Т`, `Н`, `К`) is folded before lowercasing; the rest after.
 */
export function normalizeTerm(raw: string): string {
  const nfkc = raw.replace(IGNORABLE_ALL, "").normalize("NFKC");
  let upperFolded = "";
  for (const ch of nfkc) {
    const cp = ch.codePointAt(0)!;
    const latin = cp >= 0x80 ? FOLD.get(cp) : undefined;
    upperFolded += latin !== undefined && !FOLD.has(ch.toLowerCase().codePointAt(0)!) ? latin : ch;
  }
  let out = "";
  for (const ch of upperFolded.toLowerCase()) {
    const cp = ch.codePointAt(0)!;
    out += cp === 0x2019 ? "'" : cp >= 0x80 ? (FOLD.get(cp) ?? ch) : ch;
  }
  return out;
}
