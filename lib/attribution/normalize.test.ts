import { confusablesMap } from "confusables";
import { describe, expect, it } from "vitest";
import { CONFUSABLE_FOLDS, isIgnorable, normalizeTerm } from "./normalize";

describe("version 2 term normalisation", () => {
  it("takes every fold from the confusables package, only letters that NFKC and NFD leave alone, to ASCII letters", () => {
    let count = 0;
    for (const [latin, lookalikes] of Object.entries(CONFUSABLE_FOLDS)) {
      expect(latin).toMatch(/^[a-z]$/);
      for (const ch of lookalikes) {
        count++;
        expect(ch.normalize("NFKC")).toBe(ch);
        expect(ch.normalize("NFD")).toBe(ch);
        expect(confusablesMap.get(ch)?.toLowerCase()).toBe(latin);
      }
    }
    expect(count).toBe(256);
  });

  it("folds Cyrillic and Greek lookalikes in either case, keeps accents, drops invisible characters", () => {
    expect(normalizeTerm("\u0421\u0430\u0440\u0435")).toBe("cape"); // Cyrillic С а р е
    expect(normalizeTerm("\u0422he")).toBe("the"); // Cyrillic Т
    expect(normalizeTerm("\u03BFcean")).toBe("ocean"); // Greek ο
    expect(normalizeTerm("caf\u00E9")).toBe("café");
    expect(normalizeTerm("Wh\u200Ba\u00ADl\u2060e\uFE0F\uFEFF")).toBe("whale");
    expect(normalizeTerm("Don\u2019t")).toBe("don't");
    expect(["\u200B", "\u200F", "\u2060", "\uFEFF", "\u00AD", "\uFE0F"].every((c) => isIgnorable(c.codePointAt(0)!))).toBe(true);
    expect(isIgnorable("a".codePointAt(0)!) || isIgnorable("\u0430".codePointAt(0)!)).toBe(false);
  });
});
