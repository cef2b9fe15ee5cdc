import type { ReactNode } from "react";

/**
 * Shows Markdown-ish text people write (model cards): paragraphs reflowed from their hard
 * wraps, `#` headings and `-`/`*` lists. Everything else stays literal text (React escapes it),
 * so a card can never inject markup.
 */
export function MarkdownText({ text }: { text: string }) {
  const blocks = text
    .replace(/\r\n/g, "\n")
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter(Boolean);
  return (
    <div className="space-y-3">
      {blocks.map((block, index): ReactNode => {
        const heading = /^(#{1,6})\s+(.*)$/s.exec(block);
        if (heading)
          return (
            <h3 key={index} className="font-semibold text-stone-900">
              {heading[2].replace(/\n/g, " ")}
            </h3>
          );
        const lines = block.split("\n");
        if (lines.every((line) => /^\s*[-*]\s+/.test(line))) {
          return (
            <ul key={index} className="list-disc space-y-1 pl-5">
              {lines.map((line, i) => (
                <li key={i}>{line.replace(/^\s*[-*]\s+/, "")}</li>
              ))}
            </ul>
          );
        }
        return <p key={index}>{lines.map((line) => line.trim()).join(" ")}</p>;
      })}
    </div>
  );
}
