import { EmptyState } from "@/components/empty-state";
import { DatanetCard, ModelCard } from "@/components/marketplace-cards";
import { PageHeader, SectionTitle } from "@/components/page-header";
import { listDatanets } from "@/lib/marketplace/datanets";
import { listModels } from "@/lib/marketplace/models";
import { processServer } from "@/lib/server/root";

// Listings change with every block; never serve a build-time snapshot.
export const dynamic = "force-dynamic";

export default async function MarketplacePage() {
  const source = await processServer().source();
  const [models, datanets] = await Promise.all([listModels(source), listDatanets(source)]);
  return (
    <>
      <PageHeader
        title="Marketplace"
        lead="Models you pay per call, and the datanets they draw on. Every paid inference is split on chain between the model owner and the contributors whose records shaped the answer."
      />
      <section className="mb-10" aria-labelledby="models-title">
        <SectionTitle count={models.length}>
          <span id="models-title">Models</span>
        </SectionTitle>
        {models.length === 0 ? (
          <EmptyState title="No models published yet" testId="models-empty">
            A model appears here once its owner publishes it on chain with a price, a split and the datanets it uses.
          </EmptyState>
        ) : (
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {models.map((model) => (
              <ModelCard key={model.id} model={model} />
            ))}
          </div>
        )}
      </section>
      <section aria-labelledby="datanets-title">
        <SectionTitle count={datanets.length}>
          <span id="datanets-title">Datanets</span>
        </SectionTitle>
        {datanets.length === 0 ? (
          <EmptyState title="No datanets published yet" testId="datanets-empty">
            A datanet is a named corpus that many people add records to; each contribution is anchored on chain.
          </EmptyState>
        ) : (
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {datanets.map((datanet) => (
              <DatanetCard key={datanet.id} datanet={datanet} />
            ))}
          </div>
        )}
      </section>
    </>
  );
}
