import { describe, expect, it } from "vitest";
import { validateRecords } from "@/lib/datanets/records";
import { brownTexts, firstSotuAddressPerPresident, splitIntoRecords, stripBrownTags } from "./corpora";
import { demoPlan } from "./demo-plan";

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe("corpora", () => {
  it("strips Brown POS tags back to plain text", () => {
    expect(stripBrownTags("The/at jury/nn said/vbd ``/`` it/pps deserves/vbz praise/nn ''/'' ,/, didn't/dod* it/pps ?/.")).toBe(
      'The jury said "it deserves praise", didn\'t it?',
    );
    const [ca01] = brownTexts("a", 1);
    expect(ca01.text.startsWith("The Fulton County Grand Jury said Friday")).toBe(true);
    expect(ca01.text).not.toMatch(/\/[a-z$*+-]+\b/);
  });

  it("splits texts into paragraph-sized records without losing or reordering a word", () => {
    const washington = firstSotuAddressPerPresident()[0];
    expect(washington).toMatchObject({ president: "George Washington", year: 1790 });
    const records = splitIntoRecords(washington.text, { maxChars: 900, minChars: 200 });
    expect(records.length).toBeGreaterThan(5);
    expect(records.flatMap(words)).toEqual(words(washington.text));
    for (const record of records.slice(0, -1)) {
      expect(record.length).toBeGreaterThanOrEqual(200);
      expect(record.length).toBeLessThanOrEqual(900);
    }
  });

  it("the demo plan holds a few thousand valid records, each datanet from several accounts", () => {
    const plan = demoPlan();
    let total = 0;
    for (const datanet of plan.datanets) {
      const contributors = new Set(datanet.contributions.map((c) => c.contributor));
      expect(contributors.size, datanet.key).toBeGreaterThanOrEqual(5);
      for (const contribution of datanet.contributions) {
        expect(validateRecords(contribution.records)).toEqual(contribution.records);
        total += contribution.records.length;
      }
    }
    expect(total).toBeGreaterThan(1_500);
    expect(total).toBeLessThan(5_000);
    const presidents = plan.datanets.find((d) => d.key === "sotu")!.contributions.map((c) => c.label.split(",")[0]);
    expect(new Set(presidents).size).toBe(presidents.length);
  });
});
