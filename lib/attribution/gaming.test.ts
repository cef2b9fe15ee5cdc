/**
 * The engine tried as a gamer would, on real State of the Union, Moby-Dick and Brown text: one
 * case per attack class of issue 11. Each case shows what version 1 of the engine paid the gamer
 * and that version 2 does not; proofs made by version 1 still verify byte for byte.
 */
import { getAddress } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { type AttributeInput, attribute, verifyAttribution } from "./attribute";
import { addContribution, buildIndex, type DatanetIndex } from "./datanet-index";
import { sentences } from "./testing/corpora";
import { contributorAddress, corpusRecords } from "./testing/fixtures";
import { tokenize } from "./tokenizer";
import type { RecordInput } from "./types";

const OWNER = "0x00000000000000000000000000000000000000aa" as const;
const PRICE = 10n ** 18n;
const V1 = "upstream-attribution/1" as const;
// Novel connective text: no run of 6 of these words occurs in the corpora.
const FILLER = [
  "Quokka ledgers glimmer sideways near the marmalade observatory tonight.",
  "Seventeen violet turbines hum about zebra accounting rules.",
  "Meanwhile my neon tapir drafts haiku for orbital plumbers.",
];

// The hashes version 1 gave for the cases below, recorded on the engine before the defences.
const V1_GOLDEN = [
  "0x3ba0ef0f87e14d3dc160434cd50c7df38c7696ebcf63f765d76db9f428b83bad",
  "0x6e6195563e5bcf1f9ee58065f51eb08252981e36c72ba593edd65ec84d9ca8d5",
  "0xfa4e8304e4db1de86a7a13c108268791c221e8bc7968934ea715d09f5c46fd18",
];

let records: RecordInput[];
let index: DatanetIndex;
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

/** Sentences of record `i` with `min`..60 tokens that no other record contains. */
function uniqueSentences(i: number, min = 12): string[] {
  return sentences(records[i].text).filter((s) => {
    const w = words(s);
    return w.length >= min && w.length <= 60 && holders(w).length === 1;
  });
}

/**
 * The same records built for engine version 1: version 2 normalises terms and finds containment
 * copies when an index is built, so a version-1 attribution needs an index built for version 1.
 */
const twins = new WeakMap<DatanetIndex, () => DatanetIndex>();
const builtTwins = new WeakMap<DatanetIndex, DatanetIndex>();
function v1Of(of: DatanetIndex): DatanetIndex {
  let twin = builtTwins.get(of);
  if (!twin) {
    twin = twins.get(of)!();
    builtTwins.set(of, twin);
  }
  return twin;
}

/** A fresh index of the corpus records followed by `more` (each test extends its own). */
const extended = (more: RecordInput[]) => {
  const built = addContribution(buildIndex(records), more);
  twins.set(built, () => addContribution(buildIndex(records, { engine: V1 }), more));
  return built;
};

function input(over: Partial<AttributeInput>): AttributeInput {
  return { index, prompt: "", context: [], output: "", price: PRICE, ownerShareBps: 0, protocolFeeBps: 0, owner: OWNER, ...over };
}

const paidTo = (a: ReturnType<typeof attribute>, address: string) =>
  a.proof.split
    .filter((p) => p.role === "contributor" && p.address?.toLowerCase() === address.toLowerCase())
    .reduce((s, p) => s + p.amount, 0n);
const sum = (a: ReturnType<typeof attribute>) => a.proof.split.reduce((s, p) => s + p.amount, 0n);

beforeAll(() => {
  records = corpusRecords({ sotu: 6, moby: 6, brown: 10, perRecord: 6, contributors: 500 });
  index = buildIndex(records);
  twins.set(index, () => buildIndex(records, { engine: V1 }));
  recordWords = records.map((r) => words(r.text));
});

describe("proofs made by version 1 still verify", () => {
  it("a version-1 attribution gives the hash version 1 gave before the defences, and verifies", () => {
    const quoter: RecordInput = {
      id: "quoter",
      contributor: contributorAddress(9001),
      text: `${FILLER[0]} ${uniqueSentences(5)[0]} ${FILLER[1]}`,
    };
    const withQuoter = extended([quoter]);
    const cases: AttributeInput[] = [
      input({
        index: withQuoter,
        output: `${uniqueSentences(5)[0]} ${FILLER[2]} ${uniqueSentences(40)[0]}`,
        context: ["quoter", records[40].id],
      }),
      input({
        index: withQuoter,
        output: `${uniqueSentences(60)[0]} ${FILLER[1]} ${uniqueSentences(61)[0]} and ${uniqueSentences(90)[0]}`,
        context: [records[60].id, records[90].id],
        ownerShareBps: 1500,
        protocolFeeBps: 250,
        price: 123_456_789n,
        policy: { maxContributorShareBps: 4000 },
      }),
      input({ index: withQuoter, output: FILLER.join(" "), ownerShareBps: 2000, protocolFeeBps: 100 }),
    ];
    const v1Cases = cases.map((c) => ({ ...c, index: v1Of(c.index) }));
    const hashes = v1Cases.map((c) => attribute({ ...c, engine: V1 }).hash);
    expect(hashes).toEqual(V1_GOLDEN);
    for (const c of v1Cases) {
      const a = attribute({ ...c, engine: V1 });
      expect(a.proof.engine).toBe(V1);
      expect(verifyAttribution(c, a.proof).valid).toBe(true);
      expect(verifyAttribution(c, a.hash).valid).toBe(true);
    }
  });
});

/** Attributes with version 1 and version 2 of the engine. */
function both(over: Partial<AttributeInput>) {
  return { v1: attribute(input({ ...over, index: v1Of(over.index ?? index), engine: V1 })), v2: attribute(input(over)) };
}

describe("Quote laundering", () => {
  it("a later record quoting a victim's SOTU passage inside its own text gets none of the passage's credit", () => {
    const victim = 5; // a State of the Union record
    const passage = uniqueSentences(victim).slice(0, 2).join(" ");
    const gamer = contributorAddress(9101);
    const withGamer = extended([{ id: "launderer", contributor: gamer, text: `${FILLER[0]} ${passage} ${FILLER[1]}` }]);
    const { v1, v2 } = both({ index: withGamer, output: passage });
    // Version 1 shared the span equally: the gamer took half.
    expect(paidTo(v1, gamer)).toBe(PRICE / 2n);
    expect(paidTo(v2, gamer)).toBe(0n);
    // The victim takes the credit of every token that earns (a few ordinary-English words earn nothing).
    expect(v2.proof.records.map((r) => r.id)).toEqual([records[victim].id]);
    expect(v2.proof.records[0].spanCredit).toBeGreaterThan(0.7 * words(passage).length);
    expect(v2.proof.spans.flatMap((s) => s.records)).toEqual([records[victim].id]);
    expect(sum(v2)).toBe(PRICE);
  });
});

describe("Extension and splicing", () => {
  it("a record extending a victim's passage by a few words earns only for its own words", () => {
    const victim = 30; // Moby-Dick
    const passage = uniqueSentences(victim)[0];
    const gamer = contributorAddress(9102);
    const text = `Lincoln said that ${passage} zebra tapir`;
    const withGamer = extended([{ id: "extender", contributor: gamer, text }]);
    const { v1, v2 } = both({ index: withGamer, output: text });
    // Version 1: the longest match wins every token, so the extender took the whole price.
    expect(paidTo(v1, gamer)).toBe(PRICE);
    const own = 5; // "Lincoln said that" and "zebra tapir"
    const total = words(text).length;
    const byId = new Map(v2.proof.records.map((r) => [r.id, r]));
    // The victim is credited for its passage (the extender, almost all of it a copy, may be found one by containment and earn nothing at all).
    expect(byId.get(records[victim].id)!.spanCredit).toBeGreaterThan(0.8 * (total - own));
    expect(byId.get("extender")?.spanCredit ?? 0).toBeLessThanOrEqual(own);
    expect(Number(paidTo(v2, gamer)) / Number(PRICE)).toBeLessThanOrEqual(own / total + 1e-9);
    expect(sum(v2)).toBe(PRICE);
  });

  it("a splice of three earlier passages pays the three victims; the splicer only for its two connecting words", () => {
    const victims = [8, 45, 100];
    const passages = victims.map((v) => uniqueSentences(v)[0]);
    const gamer = contributorAddress(9103);
    const text = `${passages[0]} and ${passages[1]} so ${passages[2]}`;
    const withGamer = extended([{ id: "splicer", contributor: gamer, text }]);
    const { v1, v2 } = both({ index: withGamer, output: text });
    expect(paidTo(v1, gamer)).toBe(PRICE);
    for (const [i, v] of victims.entries()) {
      // A victim's passage may share a 6-word phrase with a still earlier record, which takes those words.
      expect(v2.proof.records.find((r) => r.id === records[v].id)!.spanCredit).toBeGreaterThan(0.8 * words(passages[i]).length);
    }
    const total = words(text).length;
    expect(v2.proof.records.filter((r) => r.id !== "splicer").reduce((s, r) => s + r.spanCredit, 0)).toBeGreaterThan(0.8 * (total - 2));
    expect(v2.proof.records.find((r) => r.id === "splicer")?.spanCredit ?? 0).toBeLessThanOrEqual(2);
    expect(Number(paidTo(v2, gamer)) / Number(PRICE)).toBeLessThan(0.05);
    expect(sum(v2)).toBe(PRICE);
  });
});

describe("Diluting a source's influence", () => {
  it("an unflagged near-copy retrieved beside the original does not cut the original's context influence", () => {
    const original = 70; // Brown
    const passage = uniqueSentences(original)[0];
    const copier = contributorAddress(9104);
    // Padded so that it is not flagged as a copy (Jaccard well under 0.7), then retrieved first.
    const withCopy = extended([{ id: "near-copy", contributor: copier, text: `${FILLER[2]} ${passage} ${FILLER[0]} ${FILLER[1]}` }]);
    const context = ["near-copy", records[original].id];
    const output = `Thus: ${passage}`;
    const { v1, v2 } = both({ index: withCopy, output, context });
    expect(v1.proof.duplicates).toEqual([]);
    // Version 1: each copied token is explained by two retrieved records, so neither had influence.
    expect(v1.proof.records.find((r) => r.id === records[original].id)!.contextInfluence).toBe(0);
    expect(paidTo(v1, copier)).toBeGreaterThan(0n);
    const byId = new Map(v2.proof.records.map((r) => [r.id, r]));
    expect(byId.get(records[original].id)!.contextInfluence).toBe(words(passage).length);
    expect(byId.has("near-copy")).toBe(false);
    expect(paidTo(v2, copier)).toBe(0n);
    expect(sum(v2)).toBe(PRICE);
  });
});

describe("Wash trading", () => {
  it("a contributor paying for an answer that quotes its own record gets no data-pool share from it; another payer's answer pays it", () => {
    const own = 20;
    const text = uniqueSentences(own).slice(0, 2).join(" ");
    const self = records[own].contributor;
    const v1 = attribute(input({ output: text, payer: self, index: v1Of(index), engine: V1 }));
    expect(paidTo(v1, self)).toBeGreaterThan(0n); // version 1 paid the wash trader its own money back
    const washed = attribute(input({ output: text, payer: self }));
    expect(paidTo(washed, self)).toBe(0n);
    expect(washed.proof.input.payer).toBe(getAddress(self));
    expect(washed.proof.records.find((r) => r.id === records[own].id)!.score).toBeGreaterThan(0); // credited, not paid
    expect(washed.proof.split.find((p) => p.role === "unexplained")!.amount).toBe(PRICE);
    expect(sum(washed)).toBe(PRICE);
    expect(verifyAttribution(input({ output: text, payer: self }), washed.proof).valid).toBe(true);
    // The same proof claimed for another payer does not verify.
    expect(verifyAttribution(input({ output: text, payer: OWNER }), washed.proof).valid).toBe(false);
    const honest = attribute(input({ output: text, payer: OWNER }));
    expect(paidTo(honest, self)).toBeGreaterThan(0n);
  });
});

describe("The cap as a windfall", () => {
  const TREASURY = "0x00000000000000000000000000000000000000ee" as const;

  it("a capped contributor's excess goes to the declared unexplained pool, not to a contributor who explained less", () => {
    const big = 12; // explains most of the output
    const small = 140; // explains a short sentence
    const bigText = uniqueSentences(big, 10).slice(0, 3).join(" ");
    const smallText = uniqueSentences(small, 8).find((s) => words(s).length <= 15)!;
    const output = `${bigText} ${smallText}`;
    const policy = { maxContributorShareBps: 5000 };
    const v1 = attribute(input({ output, policy, engine: V1 }));
    const v2 = attribute(input({ output, policy: { ...policy, unexplainedPool: "treasury" }, treasury: TREASURY }));
    const smallShare = words(smallText).length / words(output).length;
    expect(smallShare).toBeLessThan(0.3);
    // Version 1: the small contributor was paid half the pool, what the cap held back from the big one.
    expect(paidTo(v1, records[small].contributor)).toBe(PRICE / 2n);
    expect(paidTo(v2, records[big].contributor)).toBe(PRICE / 2n);
    expect(Number(paidTo(v2, records[small].contributor)) / Number(PRICE)).toBeCloseTo(smallShare, 6);
    const unexplained = v2.proof.split.find((p) => p.role === "unexplained")!;
    expect(unexplained.address).toBe(getAddress(TREASURY));
    expect(unexplained.amount).toBe(PRICE - PRICE / 2n - paidTo(v2, records[small].contributor));
    expect(v2.proof.policy.unexplainedPool).toBe("treasury");
    expect(sum(v2)).toBe(PRICE);
    expect(verifyAttribution(input({ output, policy: v2.proof.policy, treasury: TREASURY }), v2.proof).valid).toBe(true);
  });

  it("splitting one contributor over two addresses recovers what the cap held back: a per-address cap is no Sybil defence (documented)", () => {
    // Two records of novel text by one contributor, then the same two over two addresses.
    const texts = [`${FILLER[0]} ${FILLER[1]}`, `${FILLER[2]} Orbital plumbers whistle at quokka ledgers every dawn.`];
    const policy = { maxContributorShareBps: 5000 };
    const output = texts.join(" ");
    const one = extended(texts.map((text, i) => ({ id: `own-${i}`, contributor: contributorAddress(9201), text })));
    const a = attribute(input({ index: one, output, policy }));
    expect(paidTo(a, contributorAddress(9201))).toBe(PRICE / 2n);
    const two = extended(texts.map((text, i) => ({ id: `own-${i}`, contributor: contributorAddress(9201 + i), text })));
    const b = attribute(input({ index: two, output, policy }));
    expect(paidTo(b, contributorAddress(9201)) + paidTo(b, contributorAddress(9202))).toBe(PRICE);
    expect(b.proof.split.find((p) => p.role === "unexplained")!.amount).toBe(0n);
  });
});

describe("Dodging exact spans", () => {
  it("an output the data explains 10% of pays the contributors 10% of their pool; the rest goes where the policy says", () => {
    const source = 50;
    const passage = uniqueSentences(source, 12)[0];
    const novel = Array.from({ length: Math.ceil(words(passage).length / 3) }, () => FILLER.join(" ")).join(" ");
    const output = `${passage} ${novel}`;
    const explained = words(passage).length / words(output).length;
    expect(explained).toBeLessThan(0.15);
    const { v1, v2 } = both({ output, ownerShareBps: 2000, protocolFeeBps: 250 });
    const pool = PRICE - PRICE / 5n - (PRICE * 250n) / 10_000n;
    // Version 1 renormalised: the record explaining a tenth of the output took the whole pool.
    expect(paidTo(v1, records[source].contributor)).toBe(pool);
    expect(Number(paidTo(v2, records[source].contributor)) / Number(pool)).toBeCloseTo(explained, 6);
    const unexplained = v2.proof.split.find((p) => p.role === "unexplained")!;
    expect(unexplained.address).toBe("0x00000000000000000000000000000000000000AA");
    expect(unexplained.amount + paidTo(v2, records[source].contributor)).toBe(pool);
    expect(v2.proof.policy.unexplainedPool).toBe("owner");
    expect(sum(v2)).toBe(PRICE);
  });
  it("an output chopping a source into 3–5-word pieces with one or two words between credits the source", () => {
    const source = 95; // Moby-Dick
    const passage = uniqueSentences(source, 24).slice(0, 2).join(" ");
    const pieces = passage.split(" ");
    // Pieces of 3, 4 and 5 words; between them one or two novel words inserted, or a word changed.
    const between = [["zebra"], ["quokka", "tapir"], null, ["marmalade"], ["neon", "haiku"], null];
    const chopped: string[] = [];
    let p = 0;
    let changedWords = 0;
    for (let k = 0; p < pieces.length; k++) {
      const size = 3 + (k % 3);
      chopped.push(...pieces.slice(p, p + size));
      p += size;
      if (p >= pieces.length) break;
      const gap = between[k % between.length];
      if (gap) chopped.push(...gap);
      else {
        chopped.push("plumbers"); // a changed word: replaces the next one
        p += 1;
        changedWords += 1;
      }
    }
    const output = chopped.join(" ");
    const { v1, v2 } = both({ output });
    // Version 1: no exact piece reaches 6 tokens, so nobody earned anything.
    expect(v1.proof.records).toEqual([]);
    const credited = v2.proof.records.find((r) => r.id === records[source].id);
    // Every token of the source's pieces that the output kept is credited to it.
    const kept = words(passage).length - changedWords;
    expect(credited!.spanCredit).toBeGreaterThan(0.9 * kept);
    expect(v2.proof.records.map((r) => r.id)).toEqual([records[source].id]);
    expect(v2.proof.spans.some((s) => s.gapped && s.records[0] === records[source].id)).toBe(true);
    expect(paidTo(v2, records[source].contributor)).toBeGreaterThan(PRICE / 2n);
    expect(sum(v2)).toBe(PRICE);
  });
});

describe("version 2 proofs", () => {
  it("give the same hash from a fresh build and verify; a proof moving money between the unexplained part and a contributor does not", () => {
    const victim = 30;
    const passage = uniqueSentences(victim)[0];
    const more: RecordInput[] = [
      { id: "extender", contributor: contributorAddress(9301), text: `Lincoln said that ${passage} zebra tapir` },
    ];
    const output = `Lincoln said that ${passage} zebra tapir. ${FILLER[0]}`;
    const params = { output, context: ["extender", records[victim].id], ownerShareBps: 1000, protocolFeeBps: 250, price: 987_654_321n };
    const first = attribute(input({ ...params, index: extended(more) }));
    const again = attribute(input({ ...params, index: extended(more) }));
    expect(again.hash).toBe(first.hash);
    expect(first.proof.engine).toBe("upstream-attribution/2");
    expect(sum(first)).toBe(987_654_321n);
    const fresh = input({ ...params, index: extended(more) });
    expect(verifyAttribution(fresh, first.proof).valid).toBe(true);
    expect(verifyAttribution(fresh, first.hash).valid).toBe(true);
    const tampered = structuredClone(first.proof);
    const unexplained = tampered.split.find((p) => p.role === "unexplained")!;
    const contributor = tampered.split.find((p) => p.role === "contributor")!;
    unexplained.amount -= 1n;
    contributor.amount += 1n;
    expect(verifyAttribution(fresh, tampered)).toMatchObject({ valid: false, differences: ["split"] });
    // A version-1 recomputation of the same input is a different proof.
    expect(verifyAttribution({ ...fresh, engine: V1 }, first.proof).valid).toBe(false);
  });
});
