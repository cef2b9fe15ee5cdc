import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { AddressLink } from "@/components/address-link";
import { AutoRefresh } from "@/components/auto-refresh";
import { EmptyState } from "@/components/empty-state";
import { Markdown } from "@/components/markdown";
import { DatanetCard, StatusBadge } from "@/components/marketplace-cards";
import { PageHeader, SectionTitle } from "@/components/page-header";
import { SettlementBadge } from "@/components/settlement-badge";
import { Stat } from "@/components/stat";
import { parseMarketplaceId } from "@/lib/marketplace/ids";
import { getModel } from "@/lib/marketplace/models";
import { processServer } from "@/lib/server/root";
import { formatBps, formatMoney } from "@/lib/web/format";
import { OwnerControls } from "./_components/owner-controls";
import { Playground } from "./_components/playground";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

/** The model, or null for an id that is malformed or names nothing; read once per request. */
const load = cache(async (segment: string) => {
  const id = parseMarketplaceId(segment);
  return id === null ? null : getModel(await processServer().source(), id);
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const model = await load((await params).id);
  return { title: model ? model.name : "Model not found" };
}

export default async function ModelPage({ params }: Props) {
  const model = await load((await params).id);
  if (!model) notFound();
  return (
    <>
      <AutoRefresh />
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            {model.name} <StatusBadge status={model.status} />
          </span>
        }
        lead={model.description}
      />
      <dl className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Price per call" value={formatMoney(model.pricePerCall)} />
        <Stat label="Owner share" value={formatBps(model.ownerShareBps)} hint={`data pool ${formatBps(10_000 - model.ownerShareBps)}`} />
        <Stat label="Inferences" value={model.inferenceCount.toLocaleString("en")} />
        <Stat label="Revenue" value={formatMoney(model.revenue)} />
      </dl>
      <p className="mb-10 text-sm text-stone-600">
        Owned by <AddressLink address={model.owner} keep={6} /> · backend {model.backend} · terms version {model.version} · what its data
        does not explain goes to the {model.unexplainedPool} (declared policy)
        {model.backend === "openai" ? (
          <>
            {" "}
            · a question nothing in its datanets matches is{" "}
            {model.answersWithoutRecords ? "still answered and charged" : "answered that nothing matches, free"}
            {model.ablationCalls > 0
              ? ` · context ablation: ${model.ablationCalls} extra backend calls per answer (the owner's cost) measure each record's influence`
              : null}
          </>
        ) : null}
      </p>

      <OwnerControls modelId={model.id} owner={model.owner} shownStatus={model.status} />
      <Playground modelId={model.id} price={model.pricePerCall} status={model.status} />

      {model.modelCard ? (
        <section className="mb-10">
          <SectionTitle>Model card</SectionTitle>
          <Markdown
            text={model.modelCard}
            data-testid="model-card"
            className="rounded-lg border border-stone-200 bg-white p-4 text-sm leading-relaxed text-stone-700"
          />
        </section>
      ) : null}

      <section className="mb-10">
        <SectionTitle count={model.datanets.length}>Datanets it draws on</SectionTitle>
        {model.datanets.length === 0 ? (
          <EmptyState title="This model draws on no datanet" />
        ) : (
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {model.datanets.map((datanet) => (
              <DatanetCard key={datanet.id} datanet={datanet} />
            ))}
          </div>
        )}
      </section>

      <section>
        <SectionTitle>Latest inferences</SectionTitle>
        {model.recentInferences.length === 0 ? (
          <EmptyState title="No paid inferences yet">
            Paid inferences of this model will be listed here and in the <Link href="/explorer">explorer</Link>.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-stone-100 rounded-lg border border-stone-200 bg-white text-sm">
            {model.recentInferences.map((inference) => (
              <li key={inference.id} className="flex flex-wrap justify-between gap-2 px-4 py-2">
                <span className="font-mono">#{inference.id}</span>
                <span>
                  <AddressLink address={inference.payer} />
                </span>
                <span className="tabular-nums">{formatMoney(inference.price)}</span>
                <SettlementBadge settlement={inference.settlement} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
