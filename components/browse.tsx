/**
 * The pieces every browse page shares, all server-rendered and working without JavaScript: the
 * search form (a GET form: the query string is the state), the refusal of a bad query string,
 * the result count and the pager.
 */
import Link from "next/link";
import type { ReactNode } from "react";
import { searchHref } from "@/lib/search/params";

const field =
  "w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-sm text-stone-900 placeholder:text-stone-500 focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-200";

/** A labelled control of a search form. */
export function Field({
  label,
  htmlFor,
  children,
  className = "",
}: {
  label: string;
  htmlFor: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={`flex min-w-0 flex-col gap-1 ${className}`}>
      <label htmlFor={htmlFor} className="text-xs font-medium text-stone-600">
        {label}
      </label>
      {children}
    </div>
  );
}

/** A text input of a search form. */
export function TextInput(props: {
  id: string;
  name: string;
  defaultValue?: string;
  placeholder?: string;
  inputMode?: "decimal" | "search";
  type?: "search" | "text";
}) {
  return <input {...props} type={props.type ?? "text"} className={field} />;
}

/** A select of a search form; the first option is "any" (an empty value, left out of the query string). */
export function Select({
  id,
  name,
  value,
  any,
  options,
}: {
  id: string;
  name: string;
  value: string | undefined;
  /** The label of the empty choice, e.g. "Any status"; none when the select always has a value. */
  any?: string;
  options: readonly { value: string; label: string }[];
}) {
  return (
    <select id={id} name={name} defaultValue={value ?? ""} className={field}>
      {any !== undefined ? <option value="">{any}</option> : null}
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

/** A GET search form: its fields are the query string, so it works without JavaScript and every result has a URL. */
export function SearchForm({
  action,
  q,
  label,
  placeholder,
  children,
  testId = "search-form",
}: {
  action: string;
  q: string | undefined;
  label: string;
  placeholder: string;
  /** More fields (filters, sort), laid out under the search box. */
  children?: ReactNode;
  testId?: string;
}) {
  return (
    <search aria-label={label} className="mb-6 block">
      <form method="get" action={action} data-testid={testId} className="rounded-lg border border-stone-200 bg-white p-3 sm:p-4">
        <div className="flex gap-2">
          <label htmlFor={`${testId}-q`} className="sr-only">
            {label}
          </label>
          <input
            id={`${testId}-q`}
            name="q"
            type="search"
            defaultValue={q}
            placeholder={placeholder}
            maxLength={200}
            data-testid="search-q"
            className={field}
          />
          <button
            type="submit"
            data-testid="search-submit"
            className="shrink-0 rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-800"
          >
            Search
          </button>
        </div>
        {children ? <div className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">{children}</div> : null}
      </form>
    </search>
  );
}

/** Why a query string was refused, one line per parameter, with a way back. */
export function SearchProblems({ problems, resetHref }: { problems: readonly { param: string; message: string }[]; resetHref: string }) {
  return (
    <div role="alert" data-testid="search-problems" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-900">
      <p className="font-medium">This search cannot be run:</p>
      <ul className="mt-2 list-disc space-y-1 pl-5">
        {problems.map((p) => (
          <li key={`${p.param}:${p.message}`}>
            <code className="font-mono">{p.param}</code> {p.message}.
          </li>
        ))}
      </ul>
      <p className="mt-3">
        <Link href={resetHref}>Start a new search</Link>
      </p>
    </div>
  );
}

/** "41–60 of 75 models". */
export function ResultCount({ page, pageSize, total, noun }: { page: number; pageSize: number; total: number; noun: string }) {
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <p data-testid="result-count" data-total={total} className="mb-3 text-sm text-stone-600" aria-live="polite">
      {total === 0
        ? `No ${noun}s`
        : first > total
          ? `No ${noun}s on page ${page} (${total.toLocaleString("en")} in all)`
          : `${first.toLocaleString("en")}–${last.toLocaleString("en")} of ${total.toLocaleString("en")} ${noun}${total === 1 ? "" : "s"}`}
    </p>
  );
}

/** The page numbers to offer: the first, the last, and two either side of the current one. */
function pagesToShow(page: number, pageCount: number): (number | "gap")[] {
  const wanted = new Set([1, pageCount, page - 2, page - 1, page, page + 1, page + 2].filter((p) => p >= 1 && p <= pageCount));
  const sorted = [...wanted].sort((a, b) => a - b);
  const out: (number | "gap")[] = [];
  for (const [i, p] of sorted.entries()) {
    if (i > 0 && p - sorted[i - 1]! > 1) out.push("gap");
    out.push(p);
  }
  return out;
}

/** Previous, page numbers and next, as links that keep the rest of the query string. */
export function Pager({
  path,
  params,
  page,
  pageCount,
}: {
  path: string;
  params: Record<string, string | undefined>;
  page: number;
  pageCount: number;
}) {
  if (pageCount <= 1 && page <= 1) return null;
  const href = (p: number) => searchHref(path, { ...params, page: p });
  const link = "rounded-md border border-stone-300 bg-white px-3 py-1.5 text-sm text-stone-800 hover:bg-stone-50 hover:no-underline";
  return (
    <nav aria-label="Pages" data-testid="pager" className="mt-6 flex flex-wrap items-center gap-2">
      {page > 1 ? (
        <Link href={href(Math.min(page - 1, pageCount))} rel="prev" className={link} data-testid="pager-prev">
          ← Previous
        </Link>
      ) : null}
      {pagesToShow(page, pageCount).map((p, i) =>
        p === "gap" ? (
          <span key={`gap-${i}`} className="px-1 text-stone-500" aria-hidden>
            …
          </span>
        ) : p === page ? (
          <span key={p} aria-current="page" className="rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white">
            <span className="sr-only">Page </span>
            {p}
          </span>
        ) : (
          <Link key={p} href={href(p)} className={link} aria-label={`Page ${p}`}>
            {p}
          </Link>
        ),
      )}
      {page < pageCount ? (
        <Link href={href(page + 1)} rel="next" className={link} data-testid="pager-next">
          Next →
        </Link>
      ) : null}
    </nav>
  );
}

/** Topic tags as small chips, each a search for that tag. */
export function Tags({ tags, path }: { tags: readonly string[]; path: string }) {
  if (tags.length === 0) return null;
  return (
    <ul className="mt-2 flex flex-wrap gap-1" aria-label="Tags">
      {tags.map((tag) => (
        <li key={tag}>
          <Link
            href={searchHref(path, { q: tag })}
            className="rounded-full bg-stone-100 px-2 py-0.5 text-xs text-stone-700 hover:bg-stone-200 hover:no-underline"
          >
            #{tag}
          </Link>
        </li>
      ))}
    </ul>
  );
}
