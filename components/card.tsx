import type { ReactNode } from "react";

/** A white panel with a title, the unit the dashboard and detail pages are built from. */
export function Card({ title, children, className = "" }: { title?: string; children: ReactNode; className?: string }) {
  return (
    <section className={`rounded-lg border border-stone-200 bg-white p-4 sm:p-5 ${className}`}>
      {title ? <h2 className="mb-3 font-semibold text-stone-900">{title}</h2> : null}
      {children}
    </section>
  );
}
