import type { ComponentProps } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import rehypeSanitize, { defaultSchema } from "rehype-sanitize";
import remarkGfm from "remark-gfm";

/** What a card may keep: GitHub's sanitizing schema (no script, style or event handler), links only to http(s) and mailto. */
const schema = { ...defaultSchema, protocols: { ...defaultSchema.protocols, href: ["http", "https", "mailto"] } };

// Every element gets its look here, so a card reads the same wherever it is shown.
const components: Components = {
  h1: (props) => <h2 className="mt-5 mb-2 text-lg font-semibold text-stone-900 first:mt-0" {...strip(props)} />,
  h2: (props) => <h3 className="mt-5 mb-2 text-base font-semibold text-stone-900 first:mt-0" {...strip(props)} />,
  h3: (props) => <h4 className="mt-4 mb-2 font-semibold text-stone-900 first:mt-0" {...strip(props)} />,
  h4: (props) => <h5 className="mt-4 mb-1 font-semibold first:mt-0" {...strip(props)} />,
  h5: (props) => <h6 className="mt-4 mb-1 font-semibold first:mt-0" {...strip(props)} />,
  h6: (props) => <h6 className="mt-4 mb-1 font-semibold first:mt-0" {...strip(props)} />,
  p: (props) => <p className="my-3 first:mt-0 last:mb-0" {...strip(props)} />,
  ul: (props) => <ul className="my-3 list-disc space-y-1 pl-5" {...strip(props)} />,
  ol: (props) => <ol className="my-3 list-decimal space-y-1 pl-5" {...strip(props)} />,
  blockquote: (props) => <blockquote className="my-3 border-l-4 border-stone-300 pl-3 text-stone-600" {...strip(props)} />,
  a: ({ href, children }) => (
    // A card is someone else's text: its links leave the site without the referrer or the opener.
    <a href={href} rel="nofollow noopener noreferrer" target="_blank" className="underline">
      {children}
    </a>
  ),
  // Remote images would tell a third party who reads the card: show them as links instead.
  img: ({ src, alt }) =>
    typeof src === "string" ? (
      <a href={src} rel="nofollow noopener noreferrer" target="_blank" className="underline">
        {alt ? `image: ${alt}` : "image"}
      </a>
    ) : null,
  pre: (props) => <pre className="my-3 overflow-x-auto rounded-md bg-stone-100 p-3 font-mono text-xs leading-relaxed" {...strip(props)} />,
  code: (props) => <code className="rounded bg-stone-100 px-1 font-mono text-[0.9em]" {...strip(props)} />,
  table: (props) => (
    <div className="my-3 overflow-x-auto">
      <table className="min-w-full border-collapse text-left text-sm" {...strip(props)} />
    </div>
  ),
  th: (props) => <th className="border border-stone-200 bg-stone-50 px-2 py-1 font-semibold" {...strip(props)} />,
  td: (props) => <td className="border border-stone-200 px-2 py-1" {...strip(props)} />,
  hr: () => <hr className="my-4 border-stone-200" />,
};

/** Drops react-markdown's `node` prop so it never reaches the DOM. */
function strip<P extends { node?: unknown }>({ node: _node, ...rest }: P): Omit<P, "node"> {
  return rest;
}

/**
 * A datanet's or model's card: GitHub-flavoured Markdown (tables, links, code, lists, task lists)
 * as on Hugging Face Hub. Raw HTML in the text is never parsed (it shows as text), the tree is
 * sanitized with GitHub's schema, and react-markdown drops `javascript:` and other unsafe URLs,
 * so a card can never run a script.
 */
export function Markdown({ text, className = "", ...rest }: { text: string } & Omit<ComponentProps<"div">, "children">) {
  return (
    <div className={`break-words ${className}`} {...rest}>
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={[[rehypeSanitize, schema]]} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
