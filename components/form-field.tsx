import type { ReactNode } from "react";

/** Classes of the app's text inputs, selects and textareas (an error turns the border red). */
export function inputClass(invalid: boolean): string {
  return `block w-full rounded-md border bg-white px-3 py-2 text-sm text-stone-900 shadow-sm focus:outline-none focus:ring-2 focus:ring-brand-600 ${
    invalid ? "border-red-500" : "border-stone-300"
  }`;
}

/**
 * A labelled form field with its hint and its error right under it; the input names both with
 * `aria-describedby` (`<id>-hint`, `<id>-error`) so a screen reader reads them with the field.
 */
export function FormField({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  children: ReactNode;
}) {
  return (
    <div className="mb-5">
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-stone-800">
        {label}
      </label>
      {children}
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-stone-600">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} role="alert" data-testid={`${id}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The `aria-describedby` of a field built with {@link FormField}. */
export function describedBy(id: string, hint: boolean, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(" ") : undefined;
}
