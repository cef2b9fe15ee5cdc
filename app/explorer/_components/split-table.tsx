import { AddressLink } from "@/components/address-link";
import type { SplitRow } from "@/lib/explorer";
import { formatMoney } from "@/lib/web/format";
import { contributorColor } from "./contributor-colors";

const ROLE = { protocol: "Protocol fee", owner: "Model owner", contributor: "Contributor", unexplained: "Unexplained" } as const;

function percent(amount: bigint, price: bigint): string {
  if (price === 0n) return "—";
  // Basis points of a percent, exact in bigint, then one division for display.
  return `${(Number((amount * 10_000n) / price) / 100).toFixed(2)}%`;
}

/**
 * The split of the price, each part with its share, and the check that the parts sum to the price.
 * The unexplained part (what the data did not explain) names the recipient of the model's declared policy.
 */
export function SplitTable({
  split,
  total,
  price,
  unexplainedPool = null,
}: {
  split: SplitRow[];
  total: bigint;
  price: bigint;
  unexplainedPool?: string | null;
}) {
  let contributorRank = -1;
  return (
    <div className="overflow-x-auto rounded-lg border border-stone-200 bg-white">
      <table className="w-full text-left text-sm" data-testid="split-table">
        <thead className="border-b border-stone-200 bg-stone-50 text-xs uppercase tracking-wide text-stone-500">
          <tr>
            <th className="px-3 py-2 font-medium">Payee</th>
            <th className="px-3 py-2 text-right font-medium">Amount</th>
            <th className="px-3 py-2 text-right font-medium">Share</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100">
          {split.map((part, i) => {
            if (part.role === "contributor") contributorRank += 1;
            return (
              <tr key={`${part.role}-${part.address ?? i}`} data-testid="split-row">
                <td className="px-3 py-2">
                  <span className="flex items-center gap-2">
                    {part.role === "contributor" ? (
                      <span aria-hidden className={`inline-block h-3 w-3 rounded-sm ${contributorColor(contributorRank)}`} />
                    ) : null}
                    <span>
                      <span className="block text-stone-900">
                        {ROLE[part.role]}
                        {part.role === "unexplained" ? (
                          <span className="text-stone-500" data-testid="unexplained-policy">
                            {" "}
                            → {unexplainedPool ?? "owner"} (declared policy)
                          </span>
                        ) : null}
                      </span>
                      {part.address ? (
                        <AddressLink address={part.address} />
                      ) : (
                        <span className="text-xs text-stone-500">kept by the market</span>
                      )}
                    </span>
                  </span>
                </td>
                <td className="px-3 py-2 text-right tabular-nums">{formatMoney(part.amount)}</td>
                <td className="px-3 py-2 text-right tabular-nums text-stone-500">{percent(part.amount, price)}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot className="border-t border-stone-200 bg-stone-50">
          <tr>
            <td className="px-3 py-2 font-medium">Total</td>
            <td className="px-3 py-2 text-right font-semibold tabular-nums">{formatMoney(total)}</td>
            <td className="px-3 py-2 text-right" data-testid="split-check" data-ok={total === price}>
              {total === price ? (
                <span className="text-emerald-700">✓ = price</span>
              ) : (
                <span className="text-red-700">✗ ≠ {formatMoney(price)}</span>
              )}
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
