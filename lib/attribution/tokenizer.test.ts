import { describe, expect, it } from "vitest";
import { asciiTermHash, scanTokens, tokenize } from "./tokenizer";
import { AsciiTermTable } from "./vocabulary";

const terms = (text: string) => tokenize(text).map((t) => t.term);

describe("tokenize", () => {
  it("lowercases words and drops punctuation, keeping offsets into the original text", () => {
    const text = "Call me Ishmael. Some years ago—never mind.";
    const tokens = tokenize(text);
    expect(tokens.map((t) => t.term)).toEqual(["call", "me", "ishmael", "some", "years", "ago", "never", "mind"]);
    for (const t of tokens) expect(text.slice(t.start, t.end).toLowerCase()).toBe(t.term);
  });

  it("keeps an apostrophe between letters and treats both apostrophes alike", () => {
    expect(terms("The whale's spout; don’t 'quote' it")).toEqual(["the", "whale's", "spout", "don't", "quote", "it"]);
  });

  it("applies NFKC: ligatures, full-width letters and composed accents give the plain term", () => {
    expect(terms("ﬁne ＡＢＣ")).toEqual(["fine", "abc"]);
    // "café" written with a combining acute accent and precomposed gives one term.
    const decomposed = tokenize("cafe\u0301 bar");
    expect(decomposed.map((t) => t.term)).toEqual(["café", "bar"]);
    expect(decomposed[0]).toMatchObject({ start: 0, end: 5 });
    expect(terms("café")).toEqual(["café"]);
  });

  it("case-folds beyond ASCII", () => {
    expect(terms("ÉCOLE Straße ΣΟΦΊΑ")).toEqual(["école", "straße", "σοφία"]);
  });

  it("splits ideographs and kana into one token each, and offsets count UTF-16 units", () => {
    const tokens = tokenize("我爱你 ok 𠀀x");
    expect(tokens.map((t) => t.term)).toEqual(["我", "爱", "你", "ok", "𠀀", "x"]);
    // U+20000 is a surrogate pair: two code units.
    expect(tokens[4]).toMatchObject({ start: 7, end: 9 });
  });

  it("treats emoji, symbols and underscores as separators and yields nothing for empty text", () => {
    expect(terms("whale🐋ship snake_case 3.14 $5")).toEqual(["whale", "ship", "snake", "case", "3", "14", "5"]);
    expect(tokenize("")).toEqual([]);
    expect(tokenize(" ... !!! ")).toEqual([]);
  });

  it("splits a run that NFKC turns into several words, giving each piece the run's offsets", () => {
    const tokens = tokenize("x ¼ y");
    expect(tokens.map((t) => t.term)).toEqual(["x", "1", "4", "y"]);
    expect(tokens[1]).toMatchObject({ start: 2, end: 3 });
    expect(tokens[2]).toMatchObject({ start: 2, end: 3 });
  });

  it("hands all-ASCII tokens to the fast sink with their hash, and gives the same tokens either way", () => {
    const text = "Call me Ishmael, don't; the WHALE's 3rd mate\u2019s x2 café ﬁne ＡＢＣ 我爱 it's 'quote' end";
    const viaSinks: { term: string; start: number; end: number }[] = [];
    const table = new AsciiTermTable();
    let nextId = 1;
    scanTokens(
      text,
      (term, start, end) => viaSinks.push({ term, start, end }),
      (source, start, end, hash) => {
        const term = source.slice(start, end).toLowerCase();
        expect(hash).toBe(asciiTermHash(term, 0, term.length));
        // The term table finds a term by the scanner's hash, whatever the case in the text.
        if (table.find(source, start, end, hash) === 0) table.add(term, nextId++);
        expect(table.find(source, start, end, hash)).toBeGreaterThan(0);
        viaSinks.push({ term, start, end });
      },
    );
    expect(viaSinks).toEqual(tokenize(text));
    expect(viaSinks.map((t) => t.term)).toContain("whale's");
    expect(table.find("DON'T", 0, 5, asciiTermHash("DON'T", 0, 5))).toBe(table.find("don't", 0, 5, asciiTermHash("don't", 0, 5)));
  });
});
