"use client";
import { useState } from "react";
import type { UseFormRegisterReturn } from "react-hook-form";
import { describedBy, inputClass } from "@/components/form-field";
import { Markdown } from "@/components/markdown";

/**
 * A Markdown card's editor: the source beside its live preview (on a phone, Write/Preview tabs),
 * the format hint and the field's error under it, named by `aria-describedby`.
 */
export function MarkdownField({
  id,
  label,
  value,
  registration,
  placeholder,
  maxChars,
  error,
}: {
  id: string;
  /** The field's label, e.g. "Model card"; the editor and preview are named after it. */
  label: string;
  /** The text as typed (react-hook-form's `watch`). */
  value: string;
  registration: UseFormRegisterReturn;
  placeholder: string;
  /** The schema's limit, said in the hint. */
  maxChars: number;
  error?: string;
}) {
  const [tab, setTab] = useState<"write" | "preview">("write");
  return (
    <div className="mb-5">
      <div className="mb-1 flex items-end justify-between gap-3">
        <label htmlFor={id} className="text-sm font-medium text-stone-800">
          {label} (Markdown)
        </label>
        <div role="tablist" aria-label={`${label} editor`} className="flex gap-1 text-sm">
          {(["write", "preview"] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={tab === t}
              data-testid={`card-tab-${t}`}
              onClick={() => setTab(t)}
              className={`rounded px-2 py-0.5 md:hidden ${tab === t ? "bg-stone-200 text-stone-900" : "text-stone-600"}`}
            >
              {t === "write" ? "Write" : "Preview"}
            </button>
          ))}
        </div>
      </div>
      <div className="grid gap-3 md:grid-cols-2">
        <textarea
          id={id}
          rows={12}
          className={`${inputClass(Boolean(error))} font-mono ${tab === "write" ? "" : "hidden md:block"}`}
          aria-invalid={Boolean(error)}
          aria-describedby={describedBy(id, true, error)}
          placeholder={placeholder}
          {...registration}
        />
        <section
          aria-label={`${label} preview`}
          data-testid="card-preview"
          className={`min-h-40 overflow-auto rounded-md border border-dashed border-stone-300 bg-stone-50 p-3 text-sm leading-relaxed ${
            tab === "preview" ? "" : "hidden md:block"
          }`}
        >
          {value.trim() ? <Markdown text={value} /> : <p className="text-stone-500">The preview shows here.</p>}
        </section>
      </div>
      <p id={`${id}-hint`} className="mt-1 text-xs text-stone-600">
        GitHub-flavoured Markdown: headings, lists, tables, links, code. Up to {maxChars.toLocaleString("en")} characters.
      </p>
      {error ? (
        <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
