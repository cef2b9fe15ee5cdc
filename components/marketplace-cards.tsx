import Link from "next/link";
import type { DatanetSummary, ModelSummary } from "@/lib/marketplace/types";
import { formatBps, formatMoney } from "@/lib/web/format";
import { Hex } from "./hex";

/** "1 record", "2,144 records". */
function count(n: number, noun: string): string {
  return `${n.toLocaleString("en")} ${noun}${n === 1 ? "" : "s"}`;
}

/** A datanet in a grid: name, description, size and who published it. */
export function DatanetCard({ datanet }: { datanet: DatanetSummary }) {
  return (
    <Link
      href={`/datanets/${datanet.id}`}
      data-testid="datanet-card"
      className="group flex flex-col rounded-lg border border-stone-200 bg-white p-4 text-stone-900 shadow-sm transition hover:border-brand-500 hover:no-underline"
    >
      <span className="font-semibold group-hover:text-brand-700">{datanet.name}</span>
      <span className="mt-1 line-clamp-2 text-sm text-stone-600">{datanet.description || "No description."}</span>
      <span className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-xs text-stone-500">
        <span>{count(datanet.recordCount, "record")}</span>
        <span>{count(datanet.contributorCount, "contributor")}</span>
        <span>{datanet.license}</span>
      </span>
      <span className="mt-2 text-xs text-stone-500">
        by <Hex value={datanet.publisher} />
      </span>
    </Link>
  );
}

/** A model in a grid: name, price per call, split and status. */
export function ModelCard({ model }: { model: ModelSummary }) {
  return (
    <Link
      href={`/models/${model.id}`}
      data-testid="model-card"
      className="group flex flex-col rounded-lg border border-stone-200 bg-white p-4 text-stone-900 shadow-sm transition hover:border-brand-500 hover:no-underline"
    >
      <span className="flex items-start justify-between gap-2">
        <span className="font-semibold group-hover:text-brand-700">{model.name}</span>
        <StatusBadge status={model.status} />
      </span>
      <span className="mt-1 line-clamp-2 text-sm text-stone-600">{model.description || "No description."}</span>
      <span className="mt-3 text-sm font-medium tabular-nums">{formatMoney(model.pricePerCall)} per call</span>
      <span className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-xs text-stone-500">
        <span>
          owner {formatBps(model.ownerShareBps)} · data {formatBps(10_000 - model.ownerShareBps)}
        </span>
        <span>{count(model.datanetIds.length, "datanet")}</span>
        <span>{count(model.inferenceCount, "inference")}</span>
      </span>
    </Link>
  );
}

const statusLooks = {
  active: { label: "Active", tone: "bg-emerald-50 text-emerald-700 ring-emerald-200", title: "Takes paid inferences." },
  paused: {
    label: "Paused",
    tone: "bg-amber-50 text-amber-800 ring-amber-300",
    title: "Its owner paused it: no paid inferences until they resume it.",
  },
  retired: {
    label: "Retired",
    tone: "bg-stone-100 text-stone-700 ring-stone-300",
    title: "Its stake was withdrawn or slashed: it takes no more paid inferences.",
  },
} as const;

/** Active, paused or retired, as the chain last said. */
export function StatusBadge({ status }: { status: ModelSummary["status"] }) {
  const look = statusLooks[status];
  return (
    <span
      data-testid="model-status"
      data-status={status}
      title={look.title}
      className={`shrink-0 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${look.tone}`}
    >
      {look.label}
    </span>
  );
}
