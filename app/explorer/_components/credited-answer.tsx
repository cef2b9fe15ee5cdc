"use client";
import Link from "next/link";
import { Fragment, useState } from "react";
import { AddressLink } from "@/components/address-link";
import type { SpanWithDatanets } from "@/lib/explorer/figures";
import { contributorColor } from "./contributor-colors";

/** A span of the answer as the page passes it to the browser (lib/explorer's figures). */
export type AnswerSpan = SpanWithDatanets;

type Piece = { text: string; span: number | null };

// Spans may overlap (each token is credited to the longest span covering it): a later span
// starts where the earlier one ended, so every character is drawn once.
function pieces(output: string, spans: readonly AnswerSpan[]): Piece[] {
  const order = spans.map((s, i) => ({ ...s, i })).sort((a, b) => a.charStart - b.charStart || b.charEnd - a.charEnd);
  const out: Piece[] = [];
  let at = 0;
  for (const s of order) {
    const start = Math.max(s.charStart, at);
    if (s.charEnd <= start) continue;
    if (start > at) out.push({ text: output.slice(at, start), span: null });
    out.push({ text: output.slice(start, s.charEnd), span: s.i });
    at = s.charEnd;
  }
  if (at < output.length) out.push({ text: output.slice(at), span: null });
  return out;
}

/**
 * The answer with its credited spans highlighted, one colour per contributor. Hovering (or
 * tapping, on a phone) a span shows which records it was credited to and who contributed them.
 */
export function CreditedAnswer({
  output,
  spans,
  contributorRank,
}: {
  output: string;
  spans: AnswerSpan[];
  contributorRank: Record<string, number>;
}) {
  const [hovered, setHovered] = useState<number | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const active = hovered ?? selected;
  const shown = active === null ? null : spans[active];
  const credited = spans.filter((s) => !s.common).length;

  return (
    <div>
      <p className="whitespace-pre-wrap break-words leading-7 text-stone-900" data-testid="answer">
        {pieces(output, spans).map((piece, k) => {
          if (piece.span === null) return <Fragment key={k}>{piece.text}</Fragment>;
          const span = spans[piece.span];
          const first = span.records[0]?.contributor?.toLowerCase();
          const tone = span.common
            ? "decoration-stone-400 decoration-dashed"
            : `${contributorColor(first ? (contributorRank[first] ?? 0) : 0)} decoration-2`;
          return (
            // A credited span stays inline text in the answer (a <button> would break its flow); it is focusable and keyboard-operable.
            // biome-ignore lint/a11y/useSemanticElements: see above
            <mark
              key={k}
              // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: see above
              role="button"
              tabIndex={0}
              data-testid={span.common ? "common-span" : "credited-span"}
              aria-pressed={selected === piece.span}
              title={span.common ? "Common phrase: credited to nobody" : `Credited to ${span.records.map((r) => r.id).join(", ")}`}
              onMouseEnter={() => setHovered(piece.span)}
              onMouseLeave={() => setHovered(null)}
              onFocus={() => setHovered(piece.span)}
              onBlur={() => setHovered(null)}
              onClick={() => setSelected(selected === piece.span ? null : piece.span)}
              onKeyDown={(e) => {
                if (e.key === "Enter" || e.key === " ") {
                  e.preventDefault();
                  setSelected(selected === piece.span ? null : piece.span);
                }
              }}
              className={`cursor-pointer rounded-sm bg-transparent px-0.5 text-inherit underline underline-offset-4 ${tone} ${
                active === piece.span ? "ring-2 ring-brand-500" : ""
              }`}
            >
              {piece.text}
            </mark>
          );
        })}
      </p>
      <div
        className="mt-3 min-h-16 rounded-md border border-stone-200 bg-stone-50 px-3 py-2 text-sm text-stone-700"
        data-testid="span-details"
        aria-live="polite"
      >
        {shown ? (
          shown.common ? (
            <p>A common phrase ({shown.tokens} tokens): found in too many records to be worth anything, so it credits nobody.</p>
          ) : (
            <div>
              <p className="mb-1 text-stone-500">
                {shown.tokens} tokens matched{shown.gapped ? " in pieces with a few words between (a gapped match)" : ""}, credited to{" "}
                {shown.records.length === 1 ? "one record" : `${shown.records.length} records`}:
              </p>
              <ul className="space-y-1">
                {shown.records.map((r) => (
                  <li key={r.id} className="flex flex-wrap items-center gap-x-2">
                    <a href={`#record-${r.id}`} className="font-mono">
                      record {r.id}
                    </a>
                    {r.datanetId ? <Link href={`/datanets/${r.datanetId}`}>datanet {r.datanetId}</Link> : null}
                    <span>by {r.contributor ? <AddressLink address={r.contributor} /> : "an unknown contributor"}</span>
                  </li>
                ))}
              </ul>
            </div>
          )
        ) : credited > 0 ? (
          <p className="text-stone-500">Hover or tap a highlighted passage to see which record it came from and who contributed it.</p>
        ) : (
          <p className="text-stone-500">No passage of this answer matched a record closely enough to earn credit.</p>
        )}
      </div>
    </div>
  );
}
