import type { ReactNode } from "react";

/** A labelled figure in a card grid. */
export function Stat({ label, value, hint, testId }: { label: string; value: ReactNode; hint?: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0 rounded-lg border border-stone-200 bg-white p-3 sm:p-4">
      {/* Capitals only where there is room: three long labels side by side overflow a phone. */}
      <dt className="text-xs font-medium text-stone-500 sm:uppercase sm:tracking-wide">{label}</dt>
      <dd data-testid={testId} className="mt-1 truncate text-xl font-semibold tabular-nums text-stone-900">
        {value}
      </dd>
      {hint ? <dd className="mt-1 text-xs text-stone-500">{hint}</dd> : null}
    </div>
  );
}
