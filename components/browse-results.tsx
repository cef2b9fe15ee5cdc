/**
 * Models and datanets in search results: the name links to the page, the owner to the profile,
 * and each shows what the ranking counts (distinct independent payers, what they paid).
 */
import Link from "next/link";
import type { BrowseDatanet, BrowseModel } from "@/lib/search/browse";
import { formatBps, formatMoney } from "@/lib/web/format";
import { AddressLink } from "./address-link";
import { Tags } from "./browse";
import { StatusBadge } from "./marketplace-cards";

/** "1 payer", "3 payers". */
function count(n: number, noun: string): string {
  return `${n.toLocaleString("en")} ${noun}${n === 1 ? "" : "s"}`;
}

const card = "flex min-w-0 flex-col rounded-lg border border-stone-200 bg-white p-4 shadow-sm";

/** One model found. */
export function ModelResult({ model }: { model: BrowseModel }) {
  return (
    <article data-testid="model-result" data-model-id={model.id} className={card}>
      <div className="flex items-start justify-between gap-2">
        <h3 className="min-w-0 font-semibold">
          <Link href={`/models/${model.id}`} className="text-stone-900 hover:text-brand-700">
            {model.name}
          </Link>
        </h3>
        <StatusBadge status={model.status} />
      </div>
      <p className="mt-1 line-clamp-2 text-sm text-stone-600">{model.description || "No description."}</p>
      <p className="mt-3 text-sm font-medium tabular-nums">{formatMoney(model.pricePerCall)} per call</p>
      <p className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-xs text-stone-600">
        <span>
          owner {formatBps(model.ownerShareBps)} · data {formatBps(10_000 - model.ownerShareBps)}
        </span>
        <span>{model.backend}</span>
        <span data-testid="payer-count" title="Distinct payers other than its owner and its datanets' contributors">
          {count(model.payerCount, "payer")}
        </span>
        <span title="Settled revenue from those payers">{formatMoney(model.revenue)} earned</span>
      </p>
      <Tags tags={model.tags} path="/models" />
      <p className="mt-2 text-xs text-stone-600">
        by <AddressLink address={model.owner} />
      </p>
    </article>
  );
}

/** One datanet found. */
export function DatanetResult({ datanet }: { datanet: BrowseDatanet }) {
  return (
    <article data-testid="datanet-result" data-datanet-id={datanet.id} className={card}>
      <h3 className="min-w-0 font-semibold">
        <Link href={`/datanets/${datanet.id}`} className="text-stone-900 hover:text-brand-700">
          {datanet.name}
        </Link>
      </h3>
      <p className="mt-1 line-clamp-2 text-sm text-stone-600">{datanet.description || "No description."}</p>
      <p className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-xs text-stone-600">
        <span>{count(datanet.recordCount, "record")}</span>
        <span>{count(datanet.contributorCount, "contributor")}</span>
        <span title="Distinct payers of the models that draw on it, other than their owners and contributors">
          {count(datanet.payerCount, "payer")}
        </span>
        <span>{datanet.license}</span>
      </p>
      <Tags tags={datanet.tags} path="/datanets" />
      <p className="mt-2 flex flex-wrap gap-x-3 text-xs text-stone-600">
        <span>
          by <AddressLink address={datanet.publisher} />
        </span>
        <Link href={`/datanets/${datanet.id}/records`}>Records</Link>
      </p>
    </article>
  );
}
