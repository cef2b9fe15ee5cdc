import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "./markdown";

const render = (text: string) => renderToStaticMarkup(<Markdown text={text} />);

describe("Markdown cards", () => {
  it("renders GitHub-flavoured Markdown: headings, lists, tables, code, links", () => {
    const html = render(
      [
        "# Ishmael",
        "Talks about whales,\nin Melville's words.",
        "- retrieval only\n- no weights",
        "| split | share |\n| --- | ---: |\n| owner | 30% |",
        "```\nnpm start\n```",
        "Source: [Gutenberg](https://www.gutenberg.org/ebooks/2701), `inline` code, ~~old~~.",
      ].join("\n\n"),
    );
    expect(html).toMatch(/<h2[^>]*>Ishmael<\/h2>/);
    expect(html).toContain("<li>retrieval only</li>");
    expect(html).toMatch(/<table[^>]*>.*<th[^>]*>split<\/th>.*<td[^>]*>owner<\/td>/s);
    expect(html).toMatch(/<pre[^>]*><code[^>]*>npm start\n<\/code><\/pre>/);
    expect(html).toMatch(
      /<a href="https:\/\/www.gutenberg.org\/ebooks\/2701" rel="nofollow noopener noreferrer" target="_blank" class="underline">Gutenberg<\/a>/,
    );
    expect(html).toContain("<del>old</del>");
  });

  it("never lets a card run a script: raw HTML, event handlers and javascript: links are dropped", () => {
    const hostile = [
      "<script>alert(1)</script>",
      '<img src=x onerror="alert(2)">',
      '<a href="javascript:alert(3)" onclick="alert(4)">raw link</a>',
      "[click](javascript:alert(5))",
      "[spaced](  JaVaScRiPt:alert(6))",
      "[entity](jav&#x09;ascript:alert(7))",
      "![pic](javascript:alert(8))",
      '<iframe src="https://evil.example"></iframe>',
      '<svg onload="alert(9)"></svg>',
      "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=)",
      "<https://ok.example/autolink>",
    ].join("\n\n");
    const html = render(hostile);
    // Raw HTML is never parsed: no element of it reaches the page.
    expect(html).not.toMatch(/<(script|img|iframe|svg)\b/i);
    expect(html).not.toMatch(/<a [^>]*on\w+=/i);
    expect(html).not.toMatch(/\son\w+="/i);
    // No URL attribute carries a script or data scheme.
    const urls = [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]);
    for (const url of urls) expect(url).not.toMatch(/^\s*(javascript|data|vbscript):/i);
    expect(urls).toContain("https://ok.example/autolink");
    expect(html).not.toContain("alert(1)");
    expect(html).toContain(">click</a>");
  });
});
