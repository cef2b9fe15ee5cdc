import type { Metadata } from "next";
import { AddressLink } from "@/components/address-link";
import { AutoRefresh } from "@/components/auto-refresh";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { SettlementBadge } from "@/components/settlement-badge";
import { Table } from "@/components/table";
import { listRecentInferences } from "@/lib/marketplace/inferences";
import { processServer } from "@/lib/server/root";
import { formatMoney, formatRelativeTime } from "@/lib/web/format";

export const metadata: Metadata = { title: "Explorer" };
export const dynamic = "force-dynamic";

export default async function ExplorerPage() {
  const inferences = await listRecentInferences(await processServer().source(), { limit: 50 });
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
        <Table
          minWidth="40rem"
          head={[
            "Inference",
            "Model",
            "Payer",
            { label: "Price", numeric: true },
            { label: "Payees", numeric: true },
            "Settlement",
            "When",
          ]}
        >
          {inferences.map((inference) => (
            <tr key={inference.id} data-testid="inference-row">
              <td className="px-4 py-2 font-mono">
                <a href={`/explorer/${inference.id}`}>#{inference.id}</a>
              </td>
              <td className="px-4 py-2">
                <a href={`/models/${inference.modelId}`}>{inference.modelName ?? `Model ${inference.modelId}`}</a>
              </td>
              <td className="px-4 py-2">
                <AddressLink address={inference.payer} />
              </td>
              <td className="px-4 py-2 text-right tabular-nums">{formatMoney(inference.price)}</td>
              <td className="px-4 py-2 text-right tabular-nums">{inference.payeeCount}</td>
              <td className="px-4 py-2">
                <SettlementBadge settlement={inference.settlement} />
              </td>
              <td className="px-4 py-2 text-stone-500">{formatRelativeTime(inference.createdAt)}</td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}
