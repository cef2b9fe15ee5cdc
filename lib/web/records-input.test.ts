import { describe, expect, it } from "vitest";
import { prepareContribution } from "@/lib/datanets/contribute";
import { contributionRoot } from "@/lib/datanets/merkle";
import { hashRecord, RECORD_LIMITS } from "@/lib/wire/records";
import { checkRecords, columnRecords, decodeFile, guessColumn, MAX_FILE_BYTES, parseCsv, parseJsonl, splitText } from "./records-input";

describe("records from pasted text and files, in the browser", () => {
  it("cuts text into paragraphs, lines or one record", () => {
    const text = "Call me Ishmael.\r\nSome years ago.\n\n  \nIt is a way I have.\n";
    expect(splitText(text, "paragraphs")).toEqual(["Call me Ishmael.\nSome years ago.", "It is a way I have."]);
    expect(splitText(text, "lines")).toEqual(["Call me Ishmael.", "Some years ago.", "It is a way I have."]);
    expect(splitText(text, "whole")).toHaveLength(1);
  });

  it("refuses a file that is not UTF-8 or over the limit, before reading it as records", () => {
    expect(() => decodeFile("bad.txt", new Uint8Array([0x61, 0xff, 0x62]))).toThrow(/bad.txt: is not valid UTF-8/);
    expect(() => decodeFile("big.txt", new Uint8Array(MAX_FILE_BYTES + 1))).toThrow(/at most 4,194,304/);
    expect(decodeFile("ok.txt", new TextEncoder().encode("naïve"))).toBe("naïve");
  });

  it("maps CSV and JSONL to records through a column", () => {
    const csv = parseCsv("a.csv", 'id,text\n1,"Call me, Ishmael."\n2,"Quoted ""whale"""\n');
    expect(csv.columns).toEqual(["id", "text"]);
    expect(guessColumn(csv)).toBe("text");
    expect(columnRecords(csv, "text")).toEqual(["Call me, Ishmael.", 'Quoted "whale"']);
    const jsonl = parseJsonl("a.jsonl", '{"id":1,"passage":"One."}\n\n{"id":2,"passage":"Two."}\n"Three."\n');
    expect(jsonl.columns).toEqual(["passage", "text"]);
    expect(columnRecords(jsonl, "passage")).toEqual(["One.", "Two."]);
    expect(() => parseJsonl("b.jsonl", '{"a":"x"}\nnot json')).toThrow(/line 2 is not JSON/);
  });

  it("refuses empty, repeated and oversize records as the server does", () => {
    const { problems } = checkRecords(["a", "  ", "a", "x".repeat(RECORD_LIMITS.maxRecordBytes + 1)]);
    expect(problems).toEqual([
      "Record 2 is empty.",
      "Record 3 repeats record 1.",
      `Record 4 is ${RECORD_LIMITS.maxRecordBytes + 1} bytes long; the limit is ${RECORD_LIMITS.maxRecordBytes}.`,
    ]);
  });

  it("computes the same Merkle root as the server, with the contributor in the leaves", () => {
    const contributor = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    const records = ["Call me Ishmael.", "It is a way I have of driving off the spleen.", "鯨"];
    expect(contributionRoot(contributor, records.map(hashRecord))).toBe(prepareContribution(records, contributor).merkleRoot);
  });
});
