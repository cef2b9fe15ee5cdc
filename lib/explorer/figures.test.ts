import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { inferenceFigures, selfPaidPercent } from "./figures";
import type { InferenceDetail } from "./inference";

const alice = "0x00000000000000000000000000000000000A11CE" as Address;
const bob = "0x0000000000000000000000000000000000000B0B" as Address;
const owner = "0x000000000000000000000000000000000000000E" as Address;

const record = (id: string, contributor: Address, datanetId: string | null): InferenceDetail["records"][number] => ({
  id,
  contributor,
  datanetId,
  text: null,
  retrievedRank: null,
  score: 0.5,
  spanCredit: 1,
  contextInfluence: 0,
  copyOf: null,
});

describe("inferenceFigures", () => {
  const inference: Pick<InferenceDetail, "split" | "spans" | "records" | "selfPaid"> = {
    split: [
      { role: "protocol", address: null, amount: 20n },
      { role: "owner", address: owner, amount: 380n },
      { role: "contributor", address: bob, amount: 900n },
      { role: "contributor", address: alice, amount: 700n },
      { role: "contributor", address: bob.toLowerCase() as Address, amount: 0n },
    ],
    spans: [
      {
        charStart: 0,
        charEnd: 10,
        tokens: 3,
        common: false,
        gapped: false,
        records: [
          { id: "1:0", contributor: alice },
          { id: "9:9", contributor: null },
        ],
      },
      { charStart: 12, charEnd: 20, tokens: 2, common: true, gapped: false, records: [{ id: "2:1", contributor: bob }] },
    ],
    records: [record("1:0", alice, "1"), record("2:1", bob, "2"), record("2:1", bob, "7")],
    selfPaid: { total: 3_000n, selfPaid: 1_000n },
  };

  it("ranks contributors in split order by lowercase address, each once, leaving out owner and protocol", () => {
    expect(inferenceFigures(inference).contributorRank).toEqual({ [bob.toLowerCase()]: 0, [alice.toLowerCase()]: 1 });
  });

  it("gives each credited record its datanet, null for a record that is not stored", () => {
    const { spans } = inferenceFigures(inference);
    expect(spans.map((s) => s.records.map((r) => r.datanetId))).toEqual([["1", null], ["2"]]);
    expect(spans[1]).toMatchObject({ charStart: 12, charEnd: 20, tokens: 2, common: true });
  });

  it("shows the self-paid share in percent with one decimal, and nothing without revenue", () => {
    expect(inferenceFigures(inference).selfPaidPercent).toBe("33.3%");
    expect(selfPaidPercent({ total: 2_000n, selfPaid: 2_000n })).toBe("100.0%");
    expect(selfPaidPercent({ total: 3n, selfPaid: 2n })).toBe("66.7%");
    expect(selfPaidPercent({ total: 0n, selfPaid: 0n })).toBeNull();
  });
});
