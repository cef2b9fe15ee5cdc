/** What the inference page derives from an inference: who gets which colour, where each credited record lives, and the self-paid share. */
import type { Address } from "viem";
import type { InferenceDetail, SelfPaidShare } from "./inference";

/** A credited span with, for each record, the datanet it belongs to (null when the record is not stored). */
export type SpanWithDatanets = {
  charStart: number;
  charEnd: number;
  tokens: number;
  common: boolean;
  gapped: boolean;
  records: { id: string; contributor: Address | null; datanetId: string | null }[];
};

/** The inference page's figures; see {@link inferenceFigures}. */
export type InferenceFigures = {
  /** Each contributor's place among the split's contributors (lowercase address → 0, 1, …): its highlight colour. */
  contributorRank: Record<string, number>;
  /** The credited spans, each record with its datanet. */
  spans: SpanWithDatanets[];
  /** The self-paid share of the model's revenue in percent with one decimal ("12.5%"), or null without revenue. */
  selfPaidPercent: string | null;
};

/** The self-paid share in percent with one decimal (from whole basis points), or null when there was no revenue. */
export function selfPaidPercent({ total, selfPaid }: SelfPaidShare): string | null {
  if (total === 0n) return null;
  return `${(Number((selfPaid * 10_000n) / total) / 100).toFixed(1)}%`;
}

/** Ranks contributors in split order, attaches datanets to the spans' records and formats the self-paid share. */
export function inferenceFigures(inference: Pick<InferenceDetail, "split" | "spans" | "records" | "selfPaid">): InferenceFigures {
  const contributorRank: Record<string, number> = {};
  for (const part of inference.split) {
    if (part.role === "contributor" && part.address) contributorRank[part.address.toLowerCase()] ??= Object.keys(contributorRank).length;
  }
  const datanetOf = new Map<string, string | null>();
  for (const record of inference.records) if (!datanetOf.has(record.id)) datanetOf.set(record.id, record.datanetId);
  const spans = inference.spans.map((s) => ({ ...s, records: s.records.map((r) => ({ ...r, datanetId: datanetOf.get(r.id) ?? null })) }));
  return { contributorRank, spans, selfPaidPercent: selfPaidPercent(inference.selfPaid) };
}
