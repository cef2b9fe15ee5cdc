import { describe, expect, it } from "vitest";
import { buildIndex } from "./datanet-index";
import { queryCoverage } from "./relevance";
import { chunkSentences, loadMobyDick } from "./testing/corpora";

const contributor = "0x0000000000000000000000000000000000000001" as const;

describe("queryCoverage on Moby-Dick", () => {
  const texts = loadMobyDick()
    .slice(0, 20)
    .flatMap((chapter) => chunkSentences(chapter.text, 6));
  const index = buildIndex(texts.map((text, i) => ({ id: `r${i}`, contributor, text })));
  const all = texts.map((_, i) => `r${i}`);
  const holding = (word: string) => all.filter((_, i) => texts[i].toLowerCase().includes(word));

  it("is 1 when the records hold every term between them, and 0 for terms the data never mentions", () => {
    const ahab = holding("ahab").slice(0, 2);
    const whale = holding("whale").slice(0, 2);
    expect(queryCoverage(index, "ahab whale", [...ahab, ...whale])).toBe(1);
    expect(queryCoverage(index, "kubernetes ingress controller", all)).toBe(0);
  });

  it("weighs terms by idf: an unknown term outweighs a common one, so a half-known question stays under one half", () => {
    const coverage = queryCoverage(index, "best pizza naples", all);
    expect(coverage).toBeGreaterThan(0); // "best" is in the book
    expect(coverage).toBeLessThan(0.5);
  });

  it("counts nothing for records the index does not hold, and nothing for an empty query", () => {
    expect(queryCoverage(index, "whale", ["nope"])).toBe(0);
    expect(queryCoverage(index, "", all)).toBe(0);
  });
});
