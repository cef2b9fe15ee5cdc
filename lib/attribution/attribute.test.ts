import { getAddress } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { type AttributeInput, attribute, verifyAttribution } from "./attribute";
import { canonicalJson } from "./canonical-json";
import { addContribution, buildIndex, type DatanetIndex } from "./datanet-index";
import { UnknownRecordError } from "./errors";
import { retrieve } from "./retrieval";
import { sentences } from "./testing/corpora";
import { contributorAddress, corpusRecords } from "./testing/fixtures";
import { tokenize } from "./tokenizer";
import type { RecordInput } from "./types";
import { ENGINE_VERSION_1 } from "./versions";

const OWNER = "0x00000000000000000000000000000000000000aa" as const;
const PRICE = 10n ** 18n;
// Novel connective text: no run of 6 of these words occurs in the corpora.
const FILLER = [
  "Quokka ledgers glimmer sideways near the marmalade observatory tonight.",
  "Seventeen violet turbines hum about zebra accounting rules.",
  "Meanwhile my neon tapir drafts haiku for orbital plumbers.",
];

let records: RecordInput[];
let index: DatanetIndex;
/** The same records indexed for engine version 1 (its rules are what the two tests below pin). */
let indexV1: DatanetIndex;
let recordWords: string[][];
const words = (text: string) => tokenize(text).map((t) => t.term);

/** Records (by position) whose token stream contains `needle`, by a plain scan. */
function holders(needle: string[]): number[] {
  const found: number[] = [];
  recordWords.forEach((w, i) => {
    outer: for (let p = 0; p + needle.length <= w.length; p++) {
      for (let k = 0; k < needle.length; k++) if (w[p + k] !== needle[k]) continue outer;
      found.push(i);
      return;
    }
  });
  return found;
}

/** A sentence of record `i` with at least `min` tokens that no other record contains. */
function uniqueSentence(i: number, min = 12): string {
  for (const s of sentences(records[i].text)) {
    const w = words(s);
    if (w.length >= min && w.length <= 60 && holders(w).length === 1) return s;
  }
  throw new Error(`record ${i} has no unique sentence`);
}

function input(over: Partial<AttributeInput>): AttributeInput {
  return { index, prompt: "", context: [], output: "", price: PRICE, ownerShareBps: 0, protocolFeeBps: 0, owner: OWNER, ...over };
}

const contributorPart = (a: ReturnType<typeof attribute>, address: string) =>
  a.proof.split.find((p) => p.role === "contributor" && p.address?.toLowerCase() === address.toLowerCase())?.amount ?? 0n;

beforeAll(() => {
  records = corpusRecords({ sotu: 10, moby: 10, brown: 20, perRecord: 6, contributors: 1000 });
  index = buildIndex(records);
  indexV1 = buildIndex(records, { engine: ENGINE_VERSION_1 });
  recordWords = records.map((r) => words(r.text));
});

describe("attribute on real text", () => {
  it("credits exactly the records whose sentences were copied, in proportion to what was copied (version 1)", () => {
    const picks = [3, Math.floor(records.length / 2), records.length - 5];
    const copied = [uniqueSentence(picks[0]), `${uniqueSentence(picks[1])}`, uniqueSentence(picks[2])];
    // Record 2 is copied twice as much: two sentences from it.
    const second = sentences(records[picks[1]].text).find(
      (s) => s !== copied[1] && words(s).length >= 8 && holders(words(s)).length === 1,
    )!;
    const output = [copied[0], FILLER[0], copied[1], FILLER[1], second, FILLER[2], copied[2]].join(" ");
    const expected = new Map([
      [records[picks[0]].id, words(copied[0]).length],
      [records[picks[1]].id, words(copied[1]).length + words(second).length],
      [records[picks[2]].id, words(copied[2]).length],
    ]);

    const a = attribute(input({ output, index: indexV1, engine: ENGINE_VERSION_1 }));
    expect(new Set(a.proof.records.map((r) => r.id))).toEqual(new Set(expected.keys()));
    const totalCopied = [...expected.values()].reduce((s, v) => s + v, 0);
    for (const r of a.proof.records) {
      const tokens = expected.get(r.id)!;
      // A copied boundary may gain or lose a token against the filler next to it.
      expect(Math.abs(r.spanCredit - tokens)).toBeLessThanOrEqual(2);
      expect(Math.abs(r.score - tokens / totalCopied)).toBeLessThan(0.02);
    }
    // Money follows the scores and sums to the price.
    expect(a.proof.split.reduce((s, p) => s + p.amount, 0n)).toBe(PRICE);
    for (const r of a.proof.records) {
      const exact = (Number(contributorPart(a, r.contributor)) / Number(PRICE)) * totalCopied;
      expect(Math.abs(exact - expected.get(r.id)!)).toBeLessThan(0.02 * totalCopied);
    }
  });

  it("credits nobody for phrases found in many records (version 1)", () => {
    // Find 6-word phrases that occur in many different records of the corpus.
    const df = new Map<string, Set<number>>();
    records.forEach((r, i) => {
      const w = words(r.text);
      for (let p = 0; p + 6 <= w.length; p++) {
        const key = w.slice(p, p + 6).join(" ");
        let set = df.get(key);
        if (!set) df.set(key, (set = new Set()));
        set.add(i);
      }
    });
    const policy = { commonMinRecords: 4, commonRecordFraction: 0 };
    const common = [...df]
      .filter(([, s]) => s.size > 4)
      .map(([k]) => k)
      .slice(0, 3);
    expect(common.length).toBeGreaterThan(0);
    const output = common.map((phrase, i) => `${FILLER[i % FILLER.length]} ${phrase}.`).join(" ");
    const a = attribute(input({ output, policy, ownerShareBps: 1000, index: indexV1, engine: ENGINE_VERSION_1 }));
    expect(a.proof.spans.length).toBeGreaterThan(0);
    expect(a.proof.spans.every((s) => s.common && s.value === 0)).toBe(true);
    expect(a.proof.records).toEqual([]);
    expect(a.proof.split).toEqual([
      { role: "protocol", amount: 0n },
      { role: "owner", address: getAddress(OWNER), amount: PRICE },
    ]);
    // The same phrase, once it is rare (default policy), does earn credit.
    const rare = attribute(input({ output, index: indexV1, engine: ENGINE_VERSION_1 }));
    expect(rare.proof.records.length).toBeGreaterThan(0);
  });

  it("gives nothing to a keyword-stuffed spam record that BM25 retrieves but the output does not use", () => {
    const prompt = "What did the president say about the public debt, the revenue and the Indian tribes?";
    const spammer = contributorAddress(4242);
    const spam: RecordInput = {
      id: "spam",
      contributor: spammer,
      text: "president public debt revenue Indian tribes say ".repeat(12) + "best deals click here",
    };
    const withSpam = addContribution(buildIndex(records), [spam]);
    const context = retrieve(withSpam, prompt, { k: 5 }).map((r) => r.id);
    expect(context[0]).toBe("spam");
    const used = records.findIndex((r) => /public debt/i.test(r.text) && context.includes(r.id));
    const source = used >= 0 ? used : records.findIndex((r) => /public debt/i.test(r.text));
    const output = `${FILLER[0]} ${uniqueSentence(source, 10)} ${FILLER[1]}`;
    const a = attribute(input({ index: withSpam, prompt, context, output }));
    const spamScore = a.proof.records.find((r) => r.id === "spam");
    expect(spamScore === undefined || (spamScore.score === 0 && spamScore.contextInfluence === 0)).toBe(true);
    expect(contributorPart(a, spammer)).toBe(0n);
    expect(a.proof.records[0].id).toBe(records[source].id);
    expect(a.proof.records.filter((r) => r.score > 0).map((r) => r.id)).toEqual([records[source].id]);
  });

  it("credits the original, not a later exact copy or a near-copy with a few words changed", () => {
    const original = 7;
    const text = records[original].text;
    const w = text.split(" ");
    const changedAt = [5, Math.floor(w.length / 2), w.length - 4];
    const near = w.map((x, i) => (changedAt.includes(i) ? "zebra" : x)).join(" ");
    const copier = contributorAddress(7001);
    const nearCopier = contributorAddress(7002);
    const withCopies = addContribution(buildIndex(records), [
      { id: "copy", contributor: copier, text },
      { id: "near-copy", contributor: nearCopier, text: near },
    ]);
    // Copy the original's unique sentence, and the near-copy's altered text around a change.
    const output = `${uniqueSentence(original)} ${FILLER[0]} ${near
      .split(" ")
      .slice(Math.floor(w.length / 2) - 8, Math.floor(w.length / 2) + 8)
      .join(" ")}`;
    const a = attribute(input({ index: withCopies, output, context: ["copy"] }));
    expect(a.proof.records.map((r) => r.id)).toEqual([records[original].id]);
    expect(contributorPart(a, copier)).toBe(0n);
    expect(contributorPart(a, nearCopier)).toBe(0n);
    // The original is paid for all the output explains; the rest (filler) is the unexplained part.
    expect(contributorPart(a, records[original].contributor) + a.proof.split.find((p) => p.role === "unexplained")!.amount).toBe(PRICE);
    expect(a.proof.duplicates).toEqual(
      expect.arrayContaining([
        { id: "copy", original: records[original].id },
        { id: "near-copy", original: records[original].id },
      ]),
    );
  });

  it("measures context influence by leave-one-out: only a retrieved record that was used gets it", () => {
    const used = 11;
    const unused = 12;
    const output = `${FILLER[0]} ${uniqueSentence(used)} ${FILLER[1]}`;
    const a = attribute(input({ output, context: [records[used].id, records[unused].id] }));
    const byId = new Map(a.proof.records.map((r) => [r.id, r]));
    expect(byId.get(records[used].id)?.contextInfluence).toBeGreaterThan(0);
    expect(byId.has(records[unused].id)).toBe(false);
    // A backend's own measurement replaces the span leave-one-out.
    const measured = attribute(
      input({
        output: FILLER.join(" "),
        context: [records[used].id, records[unused].id],
        contextInfluence: [
          { id: records[used].id, influence: 3 },
          { id: records[unused].id, influence: 1 },
        ],
      }),
    );
    expect(measured.proof.records.map((r) => [r.id, r.score])).toEqual([
      [records[used].id, 0.75],
      [records[unused].id, 0.25],
    ]);
  });

  it("gives the same hash on every run and verifies; a tampered proof does not", () => {
    const output = `${uniqueSentence(20)} ${FILLER[2]} ${uniqueSentence(40)}`;
    const params = {
      output,
      prompt: "a question",
      context: [records[20].id],
      ownerShareBps: 1500,
      protocolFeeBps: 250,
      price: 123_456_789_000_000_000n,
    };
    const first = attribute(input(params));
    const again = attribute({ ...input(params), index: buildIndex(records) });
    expect(again.hash).toBe(first.hash);
    expect(verifyAttribution(input(params), first.proof)).toEqual({ valid: true, hash: first.hash, differences: [] });
    expect(verifyAttribution(input(params), first.hash).valid).toBe(true);
    // A proof stored as JSON (amounts as decimal strings) verifies the same.
    const stored = JSON.parse(canonicalJson(first.proof));
    expect(verifyAttribution(input(params), stored).valid).toBe(true);
    const tampered = structuredClone(first.proof);
    tampered.split[2].amount += 1n;
    tampered.split[1].amount -= 1n;
    expect(verifyAttribution(input(params), tampered)).toMatchObject({ valid: false, differences: ["split"] });
    expect(verifyAttribution({ ...input(params), output: `${output} more` }, first.hash).valid).toBe(false);
  });

  it("credits nobody for an output with no words: the data pool is unexplained, the split still sums to the price", () => {
    for (const output of ["  ...  ", "", "?! —"]) {
      // Even a backend's measured influence on the context credits nobody: there is no output to have influenced.
      const context = [records[0].id];
      const { proof } = attribute(input({ output, price: 2_001n, context, contextInfluence: [{ id: records[0].id, influence: 1 }] }));
      expect(proof.input.outputTokens).toBe(0);
      expect([proof.spans, proof.records]).toEqual([[], []]);
      expect(proof.split.map((p) => p.role)).toEqual(["protocol", "owner", "unexplained"]);
      expect(proof.split[2].amount).toBe(2_001n);
      expect(proof.split.reduce((s, p) => s + p.amount, 0n)).toBe(2_001n);
    }
  });

  it("rejects unknown context records and shares over 100% with coded errors", () => {
    expect(() => attribute(input({ output: "hello there", context: ["nope"] }))).toThrow(UnknownRecordError);
    expect(() => attribute(input({ output: "hello", ownerShareBps: 9000, protocolFeeBps: 2000 }))).toThrow(/10000/);
  });
});
