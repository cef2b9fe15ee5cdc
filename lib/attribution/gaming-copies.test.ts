/**
 * Gaming the engine with disguised copies and stock phrases (issue 11, classes 3 and 5), on real
 * text: each attack pays the gamer under engine version 1 and nothing under version 2. Also: a
 * proof made by version 1 before versions existed still verifies.
 */
import { keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { attribute, verifyAttribution } from "./attribute";
import { checkContribution } from "./check-contribution";
import { addContribution, buildIndex, mergeSegments, originalOf, recordAt, recordNumber, snapshotId } from "./datanet-index";
import { REFERENCE_HASH } from "./english-reference-data";
import { InvalidAttributionInputError } from "./errors";
import { hashReferenceData } from "./informativeness";
import { deserializeIndex, serializeIndex } from "./serialize";
import { loadBrown, sentences } from "./testing/corpora";
import { corpusRecords } from "./testing/fixtures";
import { tokenize } from "./tokenizer";
import { ENGINE_VERSION, ENGINE_VERSION_1, type EngineVersion } from "./versions";

const OWNER = "0x00000000000000000000000000000000000000aa" as const;

describe("engine version 1 is kept", () => {
  it("a version 1 proof recorded before engine versions existed still verifies, over an index with the same snapshot id and bytes", () => {
    // Recorded on main at 9cb1523 (before the version 2 defences): the proof's hash, the
    // snapshot id and keccak256 of the serialized index.
    const records = corpusRecords({ sotu: 3, moby: 3, brown: 3, perRecord: 6, contributors: 7 });
    records.push({
      id: "disguised",
      contributor: "0x0000000000000000000000000000000000000007",
      text: "The Gov\u200Bernment of the Un\u00ADited St\u0430tes (Cyrillic \u0430) wh\u2060ale \uFEFFocean.",
    });
    const index = buildIndex(records, { engine: ENGINE_VERSION_1 });
    const output = `${sentences(records[5].text).slice(0, 2).join(" ")} ${sentences(records[40].text)[1]} The Gov\u200Bernment of the Un\u00ADited St\u0430tes`;
    const input = {
      index,
      prompt: "p",
      context: [records[5].id],
      output,
      price: 10n ** 18n,
      ownerShareBps: 1000,
      protocolFeeBps: 250,
      owner: OWNER,
    };
    expect(snapshotId(index)).toBe("0x378c721dfcf659fdcfca8f6fa0f3c600bd324bffb2926d7add2f9ec786e937a3");
    expect(keccak256(serializeIndex(index))).toBe("0x820b2c3be38966da16bd8bce0bdfb7ea6e9401449e6076deaac12c2b89368ada");
    const golden = "0xf24f62e79f819f99fd88f7ab9099edb29348794c3913a2e87d56437531ca813b";
    const a = attribute(input);
    expect(a.proof.engine).toBe(ENGINE_VERSION_1);
    expect(a.hash).toBe(golden);
    expect(verifyAttribution(input, a.proof).valid).toBe(true);
    expect(verifyAttribution(input, golden).valid).toBe(true);
    // The same records indexed by version 2 are another snapshot.
    expect(snapshotId(buildIndex(records))).not.toBe(snapshotId(index));
  });
});

const GAMER = "0x00000000000000000000000000000000000009a3" as const;
const words = (text: string) => tokenize(text).map((t) => t.term);

// Records of real text; the victim is a State of the Union record, the padding comes from
// Moby-Dick records that are in the index too.
const records = corpusRecords({ sotu: 8, moby: 8, brown: 8, perRecord: 6, contributors: 40 });
const victim = records.find((r) => r.id.startsWith("1795") && words(r.text).length > 150) ?? records[20];
const mobyRecord = records.find((r) => r.id.startsWith("chapter_3#") && words(r.text).length > 150)!;

/** Sentences of the Moby-Dick record adding up to about `share` of the victim's tokens. */
function padding(share: number): string {
  const out: string[] = [];
  let count = 0;
  for (const s of sentences(mobyRecord.text)) {
    if (count >= share * words(victim.text).length) break;
    out.push(s);
    count += words(s).length;
  }
  return out.join(" ");
}

/** Hides a sentence from exact matching: zero-width spaces inside words, or Cyrillic lookalikes. */
function disguise(sentence: string, how: "zero-width" | "cyrillic"): string {
  if (how === "zero-width") return sentence.replace(/\b(\w{2})(\w{2,})/g, "$1\u200B$2").replace(/\b(\w)(\w)/g, "$1\u00AD$2");
  const lookalike: Record<string, string> = { a: "\u0430", e: "\u0435", o: "\u043E", c: "\u0441", p: "\u0440" };
  return sentence.replace(/[aeocp]/g, (ch) => lookalike[ch]);
}

function priceFor(index: ReturnType<typeof buildIndex>, output: string, engine?: EngineVersion) {
  return attribute({
    index,
    prompt: "",
    context: [],
    output,
    price: 10n ** 18n,
    ownerShareBps: 0,
    protocolFeeBps: 0,
    owner: OWNER,
    engine,
  });
}
const paid = (a: ReturnType<typeof attribute>, address: string) =>
  a.proof.split.find((p) => p.role === "contributor" && p.address?.toLowerCase() === address.toLowerCase())?.amount ?? 0n;

/**
 * Version 2 pays the contributors for the part of the output the data explains (ordinary words
 * earn nothing, and their share is the unexplained pool): `address` is paid at least 80 % of
 * what the contributors get.
 */
function expectMainEarner(a: ReturnType<typeof attribute>, address: string) {
  const contributors = a.proof.split.filter((p) => p.role === "contributor").reduce((sum, p) => sum + p.amount, 0n);
  expect(paid(a, address)).toBeGreaterThan(0n);
  // Earlier records holding a few of the same 6-word phrases take those words (the earliest holder rule).
  expect(paid(a, address) * 10n).toBeGreaterThanOrEqual(contributors * 8n);
}

/** The index with the gamer's record added after everyone else's, built by `engine`. */
function withGamer(text: string, engine: EngineVersion) {
  return addContribution(buildIndex(records, { engine }), [{ id: "gamer", contributor: GAMER, text }]);
}

describe("disguised copies (class 3)", () => {
  const quoted = sentences(victim.text)
    .filter((s) => words(s).length >= 12)
    .slice(0, 2);

  it("a copy of a State of the Union passage padded with Moby-Dick text is a copy: it earns 0 and the original is paid", () => {
    const copy = `${victim.text} ${padding(0.8)}`;
    const output = quoted.join(" ");
    const v1 = priceFor(withGamer(copy, ENGINE_VERSION_1), output);
    expect(paid(v1, GAMER)).toBeGreaterThan(0n); // the attack works on version 1
    const v2 = priceFor(withGamer(copy, ENGINE_VERSION), output);
    expect(v2.proof.engine).toBe(ENGINE_VERSION);
    expect(paid(v2, GAMER)).toBe(0n);
    expectMainEarner(v2, victim.contributor);
    expect(v2.proof.duplicates).toContainEqual({ id: "gamer", original: victim.id });
  });

  it("the same copy with zero-width characters and soft hyphens in some sentences and Cyrillic lookalikes in others is a copy", () => {
    const parts = sentences(victim.text).map((s, i) =>
      i % 3 === 0 ? disguise(s, "zero-width") : i % 3 === 1 ? disguise(s, "cyrillic") : s,
    );
    const copy = `${parts.join(" ")} ${padding(0.8)}`;
    // The model quotes a sentence the copy left plain and one it disguised, with its own words between.
    const output = `${sentences(victim.text)[2]} Quokka ledgers glimmer sideways near the marmalade observatory. ${sentences(victim.text)[4]}`;
    const v1 = priceFor(withGamer(copy, ENGINE_VERSION_1), output);
    expect(paid(v1, GAMER)).toBeGreaterThan(0n);
    const index = withGamer(copy, ENGINE_VERSION);
    // Version 2 reads the disguised words as the plain ones, at their original offsets.
    const disguised = disguise("the people of the united states", "cyrillic");
    expect(tokenize(disguised, true).map((t) => t.term)).toEqual(words("the people of the united states"));
    expect(tokenize("Un\u00ADit\u200Bed\u2060 St\uFEFFates", true)).toEqual([
      { term: "united", start: 0, end: 9 },
      { term: "states", start: 10, end: 17 },
    ]);
    const v2 = priceFor(index, output);
    expect(paid(v2, GAMER)).toBe(0n);
    expectMainEarner(v2, victim.contributor);
    expect(v2.proof.duplicates).toContainEqual({ id: "gamer", original: victim.id });
  });

  it("finds the same copies however the records were added, merged or stored", () => {
    const copy = { id: "gamer", contributor: GAMER, text: `${victim.text} ${padding(0.8)}` };
    const fresh = buildIndex([...records, copy]);
    let stepwise = buildIndex(records.slice(0, 50));
    for (let i = 50; i < records.length; i += 37) stepwise = addContribution(stepwise, records.slice(i, i + 37));
    stepwise = mergeSegments(addContribution(stepwise, [copy]), { all: true });
    expect(snapshotId(stepwise)).toBe(snapshotId(fresh));
    expect(keccak256(serializeIndex(stepwise))).toBe(keccak256(serializeIndex(fresh)));
    const loaded = deserializeIndex(serializeIndex(fresh));
    expect(loaded.options.engine).toBe(ENGINE_VERSION);
    expect(snapshotId(loaded)).toBe(snapshotId(fresh));
    const gamer = recordNumber(loaded, "gamer");
    expect(recordAt(loaded, originalOf(loaded, gamer)).id).toBe(victim.id);
    // The gram table is rebuilt on load: the check gives the same verdict on the stored snapshot.
    expect(checkContribution(loaded, [copy.text])[0]).toEqual(checkContribution(fresh, [copy.text])[0]);
  });

  it("checkContribution says copy, near-copy or original on real text, with the records copied", () => {
    const index = buildIndex(records);
    const novel = loadBrown(40)[35].text.slice(0, 3000);
    const half = sentences(victim.text).slice(0, 4).join(" ");
    const [copy, near, original, disguised] = checkContribution(index, [
      `${victim.text} ${padding(0.8)}`,
      `${half} ${novel.slice(0, Math.round(half.length * 0.6))}`,
      novel,
      sentences(victim.text)
        .map((s, i) => (i % 2 ? disguise(s, "cyrillic") : disguise(s, "zero-width")))
        .join(" "),
    ]);
    expect(copy.verdict).toBe("copy");
    expect(copy.containment).toBeGreaterThan(0.95);
    expect(copy.copies.map((c) => c.id)).toEqual([victim.id, mobyRecord.id]);
    expect(near.verdict).toBe("near-copy");
    expect(near.copies[0].id).toBe(victim.id);
    expect(original).toMatchObject({ verdict: "original", copies: [] });
    expect(original.containment).toBeLessThan(0.05);
    expect(disguised.verdict).toBe("copy");
  });
});

describe("boilerplate and stock phrases (class 5)", () => {
  // Brown samples that are not in the index: text nobody has published there.
  const fresh = loadBrown(80).slice(50, 75);
  const victimSentence = sentences(victim.text).find((s) => words(s).length >= 20)!;

  it("a record stuffed with stock chatbot phrases and ordinary English earns nothing for them; the quoted source is paid", () => {
    const stock = [
      "I hope this helps! Let me know if you have any other questions.",
      "It is important to note that as an AI language model, I cannot provide personal opinions.",
      "If you have any other questions, feel free to ask.",
      "I think that we should go to the store and get some of the things that we need for the house.",
      "He said that he would be there at the end of the day, and that was one of the most important things to do.",
    ];
    const stuffer = { id: "stuffer", contributor: GAMER, text: stock.join(" ") };
    const output = `${stock[1]} ${stock[3]} ${victimSentence} ${stock[4]} ${stock[0]} ${stock[2]}`;
    const engine1 = addContribution(buildIndex(records, { engine: ENGINE_VERSION_1 }), [stuffer]);
    const v1 = priceFor(engine1, output);
    expect(paid(v1, GAMER)).toBeGreaterThan(paid(v1, victim.contributor)); // version 1 pays the stuffer most
    const v2 = priceFor(addContribution(buildIndex(records), [stuffer]), output);
    expect(paid(v2, GAMER)).toBe(0n);
    expectMainEarner(v2, victim.contributor);
    // The stuffed sentences are matched, and each is worth nothing.
    expect(v2.proof.spans.filter((s) => s.value === 0 && s.earning === 0).length).toBeGreaterThanOrEqual(stock.length - 1);
  });

  it("an output repeating the prompt pays nothing for the repeated part", () => {
    const index = buildIndex(records);
    const base = { index, context: [], output: victimSentence, price: 10n ** 18n, ownerShareBps: 0, protocolFeeBps: 0, owner: OWNER };
    expectMainEarner(attribute({ ...base, prompt: "Tell me something.", engine: ENGINE_VERSION }), victim.contributor);
    const echoed = attribute({ ...base, prompt: `Please repeat: ${victimSentence}` });
    expect(paid(echoed, victim.contributor)).toBe(0n);
    expect(echoed.proof.spans[0]).toMatchObject({ earning: 0, value: 0 });
    const indexV1 = buildIndex(records, { engine: ENGINE_VERSION_1 });
    // Version 1 paid for the echoed sentence.
    const v1Echoed = attribute({ ...base, index: indexV1, prompt: `Please repeat: ${victimSentence}`, engine: ENGINE_VERSION_1 });
    expect(paid(v1Echoed, victim.contributor)).toBeGreaterThan(0n);
  });

  it("a victim's distinctive sentence repeated by 25 later records keeps its value for the victim", () => {
    const repeaters = Array.from({ length: 25 }, (_, i) => ({
      id: `repeat-${i}`,
      contributor: `0x${(0xb000 + i).toString(16).padStart(40, "0")}` as `0x${string}`,
      // The sentence amid other text, so no repeater is a copy: each is mostly its own words.
      text: `${sentences(fresh[i].text).slice(0, 15).join(" ")} ${victimSentence}`,
    }));
    const output = victimSentence;
    const v1 = priceFor(addContribution(buildIndex(records, { engine: ENGINE_VERSION_1 }), repeaters), output);
    expect(paid(v1, victim.contributor)).toBe(0n); // common, so worth nothing to the victim
    const index = addContribution(buildIndex(records), repeaters);
    expect(checkContribution(buildIndex(records), [repeaters[0].text])[0].verdict).toBe("original");
    const v2 = priceFor(index, output);
    expect(v2.proof.spans[0]).toMatchObject({ recordCount: 26, common: false, records: [victim.id] });
    expectMainEarner(v2, victim.contributor);
  });

  it("gives the same proof over a datanet added contribution by contribution as over a fresh build, ordinary spans included", () => {
    const ordinary = "He said that he would be there at the end of the day, and that was one of the most important things to do.";
    const holders = Array.from({ length: 30 }, (_, i) => ({
      id: `plain-${i}`,
      contributor: `0x${(0xc000 + i).toString(16).padStart(40, "0")}` as `0x${string}`,
      text: `${sentences(fresh[i % 25].text)
        .slice(20, 32)
        .join(" ")} ${ordinary}`,
    }));
    const all = [...records, ...holders];
    let stepwise = buildIndex(all.slice(0, 40));
    for (let i = 40; i < all.length; i += 23) stepwise = addContribution(stepwise, all.slice(i, i + 23));
    const output = `${ordinary} ${victimSentence}`;
    const a = priceFor(stepwise, output);
    expect(a.proof.spans.some((s) => s.value === 0 && s.recordCount > 20)).toBe(true);
    expect(a.hash).toBe(priceFor(buildIndex(all), output).hash);
  });

  it("a datanet holding Brown corpus text still earns for its distinctive spans, in proportion", () => {
    const brown = corpusRecords({ sotu: 0, moby: 0, brown: 30, perRecord: 6, contributors: 30 });
    const index = buildIndex(brown);
    const long = (s: string) => words(s).length >= 15 && words(s).length <= 40;
    const pick = (r: (typeof brown)[number]) => sentences(r.text).find(long)!;
    const a = brown.slice(10).find((r) => sentences(r.text).filter(long).length >= 1)!;
    const b = brown.slice(200).find((r) => sentences(r.text).filter(long).length >= 2)!;
    const output = `${pick(a)} Quokka ledgers glimmer sideways tonight. ${pick(b)} ${sentences(b.text).filter(long)[1]}`;
    const v2 = priceFor(index, output);
    expect(v2.proof.policy.reference).toBe(REFERENCE_HASH);
    const credit = new Map(v2.proof.records.map((r) => [r.id, r.spanCredit]));
    expect([...credit.keys()].sort()).toEqual([a.id, b.id].sort());
    // Nearly every copied token earns, and b, copied about twice as much, earns about twice as much.
    const earning = v2.proof.spans.reduce((s, x) => s + (x.earning ?? 0), 0);
    expect(earning).toBeGreaterThan(0.85 * v2.proof.spans.reduce((s, x) => s + x.tokens, 0));
    expect(credit.get(b.id)! / credit.get(a.id)!).toBeGreaterThan(1.3);
  });

  it("names the reference English in the proof; a proof made with another reference does not verify", () => {
    expect(hashReferenceData()).toBe(REFERENCE_HASH);
    const index = buildIndex(records);
    const input = {
      index,
      prompt: "",
      context: [],
      output: victimSentence,
      price: 1000n,
      ownerShareBps: 0,
      protocolFeeBps: 0,
      owner: OWNER,
    };
    const a = attribute(input);
    expect(verifyAttribution(input, a.proof).valid).toBe(true);
    const other = `0x${"ab".repeat(32)}` as const;
    expect(() =>
      verifyAttribution(
        { ...input, policy: { ...a.proof.policy, reference: other } },
        { ...a.proof, policy: { ...a.proof.policy, reference: other } },
      ),
    ).toThrow(InvalidAttributionInputError);
  });
});
