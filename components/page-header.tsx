import type { ReactNode } from "react";

/** A page's title, a line saying what it is for, and optional actions on the right. */
export function PageHeader({ title, lead, actions }: { title: ReactNode; lead?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-8 flex flex-wrap items-end justify-between gap-4">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight text-stone-900 sm:text-3xl">{title}</h1>
        {lead ? <p className="mt-2 max-w-2xl text-stone-600">{lead}</p> : null}
      </div>
      {actions}
    </div>
  );
}

/** A section heading with an optional count. */
export function SectionTitle({ children, count }: { children: ReactNode; count?: number }) {
  return (
    <h2 className="mb-3 flex items-baseline gap-2 text-lg font-semibold text-stone-900">
      {children}
      {count !== undefined ? <span className="text-sm font-normal text-stone-500">{count}</span> : null}
    </h2>
  );
}
