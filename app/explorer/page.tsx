import type { Metadata } from "next";
import { AutoRefresh } from "@/components/auto-refresh";
import { EmptyState } from "@/components/empty-state";
import { Hex } from "@/components/hex";
import { PageHeader } from "@/components/page-header";
import { listRecentInferences } from "@/lib/marketplace/inferences";
import { formatMoney, formatRelativeTime } from "@/lib/web/format";

export const metadata: Metadata = { title: "Explorer" };
export const dynamic = "force-dynamic";

export default async function ExplorerPage() {
  const inferences = await listRecentInferences({ limit: 50 });
  return (
    <>
      <AutoRefresh />
      <PageHeader
        title="Explorer"
        lead="Every paid inference: which model answered, who paid, how the price was split and whether it is settled on chain."
      />
      {inferences.length === 0 ? (
        <EmptyState title="No paid inferences yet" testId="explorer-empty">
          When someone pays for an inference, it appears here with its attribution proof and its on-chain settlement.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-stone-200 bg-white">
          <table className="w-full min-w-[40rem] text-left text-sm">
            <thead className="border-b border-stone-200 bg-stone-50 text-xs uppercase tracking-wide text-stone-500">
              <tr>
                <th className="px-4 py-2 font-medium">Inference</th>
                <th className="px-4 py-2 font-medium">Model</th>
                <th className="px-4 py-2 font-medium">Payer</th>
                <th className="px-4 py-2 text-right font-medium">Price</th>
                <th className="px-4 py-2 text-right font-medium">Payees</th>
                <th className="px-4 py-2 font-medium">Settlement</th>
                <th className="px-4 py-2 font-medium">When</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-stone-100">
              {inferences.map((inference) => (
                <tr key={inference.id} data-testid="inference-row">
                  <td className="px-4 py-2 font-mono">{inference.id}</td>
                  <td className="px-4 py-2">
                    <a href={`/models/${inference.modelId}`}>{inference.modelName ?? `Model ${inference.modelId}`}</a>
                  </td>
                  <td className="px-4 py-2">
                    <Hex value={inference.payer} />
                  </td>
                  <td className="px-4 py-2 text-right tabular-nums">{formatMoney(inference.price)}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{inference.payeeCount}</td>
                  <td className="px-4 py-2">
                    {inference.settlement.status === "settled" ? (
                      <span className="text-emerald-700">settled</span>
                    ) : (
                      <span className="text-amber-700">pending</span>
                    )}
                  </td>
                  <td className="px-4 py-2 text-stone-500">{formatRelativeTime(inference.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
