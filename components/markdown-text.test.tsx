import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { MarkdownText } from "./markdown-text";

describe("MarkdownText", () => {
  it("reflows hard-wrapped paragraphs and renders headings and lists", () => {
    const html = renderToStaticMarkup(
      <MarkdownText text={"# Ishmael\n\nTalks about whales,\nin Melville's words.\n\n- retrieval only\n- no weights"} />,
    );
    expect(html).toContain(">Ishmael</h3>");
    expect(html).toContain("<p>Talks about whales, in Melville&#x27;s words.</p>");
    expect(html).toContain("<li>retrieval only</li><li>no weights</li>");
  });

  it("never lets a card inject markup", () => {
    const html = renderToStaticMarkup(<MarkdownText text={'<img src=x onerror="alert(1)">'} />);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img");
  });
});
