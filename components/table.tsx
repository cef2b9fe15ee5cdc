import type { ReactNode } from "react";

/** A column heading: its label, right-aligned when the column holds numbers. */
export type Column = string | { label: string; numeric?: boolean };

/** A bordered table that scrolls sideways on narrow screens instead of squeezing its columns. */
export function Table({ head, children, minWidth = "32rem" }: { head: readonly Column[]; children: ReactNode; minWidth?: string }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-stone-200 bg-white">
      <table className="w-full text-left text-sm" style={{ minWidth }}>
        <thead className="border-b border-stone-200 bg-stone-50 text-xs uppercase tracking-wide text-stone-500">
          <tr>
            {head.map((column) => {
              const { label, numeric } = typeof column === "string" ? { label: column, numeric: false } : column;
              return (
                <th key={label} className={`px-4 py-2 font-medium ${numeric ? "text-right" : ""}`}>
                  {label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100">{children}</tbody>
      </table>
    </div>
  );
}
