import { beforeAll, describe, expect, it } from "vitest";
import { attribute } from "./attribute";
import {
  addContribution,
  buildIndex,
  createIndex,
  type DatanetIndex,
  mergeSegments,
  needsMerge,
  originalOf,
  recordNumber,
  snapshotId,
} from "./datanet-index";
import { CorruptIndexError, DuplicateRecordIdError, IndexForkedError, InvalidRecordError } from "./errors";
import { deserializeIndex, serializeIndex } from "./serialize";
import { sentences } from "./testing/corpora";
import { contributorAddress, corpusRecords } from "./testing/fixtures";
import type { RecordInput } from "./types";

let records: RecordInput[];
let fresh: DatanetIndex;

function contributions(all: RecordInput[], parts: number): RecordInput[][] {
  const size = Math.ceil(all.length / parts);
  return Array.from({ length: parts }, (_, i) => all.slice(i * size, (i + 1) * size));
}

function attributionHash(index: DatanetIndex): string {
  const output = `${sentences(records[5].text)[0]} and also ${sentences(records[records.length - 3].text)[1]}`;
  return attribute({
    index,
    prompt: "",
    context: [records[5].id],
    output,
    price: 10n ** 18n,
    ownerShareBps: 0,
    protocolFeeBps: 0,
    owner: contributorAddress(99),
  }).hash;
}

beforeAll(() => {
  records = corpusRecords({ sotu: 4, moby: 4, brown: 10 });
  fresh = buildIndex(records);
});

describe("segments", () => {
  it("adding contributions one by one then merging equals a fresh build, byte for byte", () => {
    let index = createIndex({ maxSegments: 3 });
    for (const part of contributions(records, 7)) index = addContribution(index, part);
    expect(index.segments.length).toBe(7);
    expect(needsMerge(index)).toBe(true);
    // Queries already see every segment before any merge.
    expect(snapshotId(index)).toBe(snapshotId(fresh));
    expect(attributionHash(index)).toBe(attributionHash(fresh));

    const byPolicy = mergeSegments(index);
    expect(byPolicy.segments.length).toBe(3);
    expect(attributionHash(byPolicy)).toBe(attributionHash(fresh));

    const merged = mergeSegments(index, { all: true });
    expect(merged.segments.length).toBe(1);
    const freshSameOptions = buildIndex(records, { maxSegments: 3 });
    expect(Buffer.from(serializeIndex(merged)).equals(Buffer.from(serializeIndex(freshSameOptions)))).toBe(true);
    // The snapshot that was merged is untouched.
    expect(index.segments.length).toBe(7);
  });

  it("refuses to extend an older snapshot once a newer one exists", () => {
    const base = buildIndex(records.slice(0, 10));
    addContribution(base, records.slice(10, 12));
    expect(() => addContribution(base, records.slice(12, 14))).toThrow(IndexForkedError);
  });

  it("gives one term id to a word however it is written (ASCII fast path and NFKC path agree)", () => {
    const index = buildIndex([
      { id: "a", contributor: contributorAddress(1), text: "ﬁne FINE Fine" },
      { id: "b", contributor: contributorAddress(2), text: "fine ＦＩＮＥ whale's Whale’s" },
    ]);
    const ids = Array.from(index.segments[0].tokens);
    expect(ids).toEqual([1, 1, 1, 0, 1, 1, 2, 2, 0]);
  });

  it("refuses duplicate ids, bad addresses and oversized records", () => {
    const one = records[0];
    expect(() => buildIndex([one, one])).toThrow(DuplicateRecordIdError);
    expect(() => buildIndex([{ ...one, contributor: "0x1234" as never }])).toThrow(InvalidRecordError);
    expect(() => buildIndex([{ ...one, text: "x".repeat(101) }], { maxRecordChars: 100 })).toThrow(/limit/);
  });
});

describe("serialization", () => {
  it("round-trips: same bytes, same attributions, and the loaded index can grow", () => {
    const bytes = serializeIndex(fresh);
    const loaded = deserializeIndex(bytes);
    expect(Buffer.from(serializeIndex(loaded)).equals(Buffer.from(bytes))).toBe(true);
    expect(snapshotId(loaded)).toBe(snapshotId(fresh));
    expect(attributionHash(loaded)).toBe(attributionHash(fresh));
    expect(Array.from(loaded.termRecordCounts)).toEqual(Array.from(fresh.termRecordCounts));
    // Near-duplicate tables are rebuilt: a copy added after loading maps to its original.
    const grown = addContribution(loaded, [{ id: "late-copy", contributor: contributorAddress(77), text: records[3].text }]);
    expect(originalOf(grown, recordNumber(grown, "late-copy"))).toBe(3);
    // Well under 10 bytes per token.
    expect(bytes.length / fresh.tokenCount).toBeLessThan(10);
  });

  it("rejects corrupt bytes with a coded error", () => {
    const bytes = serializeIndex(fresh);
    expect(() => deserializeIndex(bytes.slice(0, bytes.length - 100))).toThrow(CorruptIndexError);
    expect(() => deserializeIndex(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(CorruptIndexError);
  });
});

describe("near-duplicates", () => {
  it("maps exact and lightly edited copies to the earliest record, and leaves distinct text alone", () => {
    const base = records.slice(0, 60);
    const source = base[20].text;
    const words = source.split(" ");
    const edit = (every: number) => words.map((w, i) => (i % every === 3 % every ? "quokka" : w)).join(" ");
    const index = addContribution(buildIndex(base), [
      { id: "exact", contributor: contributorAddress(50), text: source },
      { id: "light-edit", contributor: contributorAddress(51), text: edit(25) },
      { id: "copy-of-copy", contributor: contributorAddress(52), text: edit(25) + " Indeed." },
      { id: "heavy-edit", contributor: contributorAddress(53), text: edit(3) },
      { id: "unrelated", contributor: contributorAddress(54), text: records[200].text },
    ]);
    const original = (id: string) => originalOf(index, recordNumber(index, id));
    expect(original("exact")).toBe(20);
    expect(original("light-edit")).toBe(20);
    expect(original("copy-of-copy")).toBe(20);
    expect(original("heavy-edit")).toBe(recordNumber(index, "heavy-edit"));
    expect(original("unrelated")).toBe(recordNumber(index, "unrelated"));
    // No two distinct records of the real corpus slice are flagged.
    for (let r = 0; r < 60; r++) expect(originalOf(index, r)).toBe(r);
  });
});
