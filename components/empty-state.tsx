import type { ReactNode } from "react";

/** An honest "nothing here yet" panel: what is missing and how it gets there. */
export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div data-testid={testId} className="rounded-lg border border-dashed border-stone-300 bg-white px-6 py-10 text-center">
      <p className="font-medium text-stone-800">{title}</p>
      {children ? <div className="mx-auto mt-2 max-w-prose text-sm text-stone-500">{children}</div> : null}
    </div>
  );
}
