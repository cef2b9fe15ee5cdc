import Link from "next/link";
import { SearchForm, SearchProblems } from "@/components/browse";
import { DatanetResult, ModelResult } from "@/components/browse-results";
import { EmptyState } from "@/components/empty-state";
import { PageHeader, SectionTitle } from "@/components/page-header";
import { browseDatanets, browseModels } from "@/lib/search/browse";
import { searchHref } from "@/lib/search/params";
import { processServer } from "@/lib/server/root";

// Listings change with every block; never serve a build-time snapshot.
export const dynamic = "force-dynamic";

/** How many of each the front page shows; the rest are a link away. */
const SHOWN = 6;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function MarketplacePage({ searchParams }: Props) {
  const raw = await searchParams;
  // The front page searches both by `q` alone; filters live on /models and /datanets.
  const query = { q: raw.q };
  const source = await processServer().source();
  const [models, datanets] = await Promise.all([browseModels(source, query), browseDatanets(source, query)]);
  const q = models.ok ? models.params.q : undefined;
  const searching = q !== undefined;
  return (
    <>
      <PageHeader
        title="Marketplace"
        lead="Models you pay per call, and the datanets they draw on. Every paid inference is split on chain between the model owner and the contributors whose records shaped the answer."
      />
      <SearchForm
        action="/"
        q={q ?? (typeof raw.q === "string" ? raw.q : undefined)}
        label="Search models and datanets"
        placeholder="Search models and datanets: whales, speeches, “State of the Union”…"
      />
      {!models.ok ? (
        <SearchProblems problems={models.problems} resetHref="/" />
      ) : (
        <>
          <section className="mb-10" aria-labelledby="models-title">
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <SectionTitle count={models.total}>
                <span id="models-title">{searching ? "Models found" : "Models"}</span>
              </SectionTitle>
              {models.total > 0 ? (
                <Link href={searchHref("/models", { q })} data-testid="all-models">
                  {searching ? "All matching models, with filters" : "Browse all models"} →
                </Link>
              ) : null}
            </div>
            {models.total === 0 ? (
              searching ? (
                <EmptyState title="No model matches" testId="models-none" />
              ) : (
                <EmptyState title="No models published yet" testId="models-empty">
                  A model appears here once its owner publishes it on chain with a price, a split and the datanets it uses.
                </EmptyState>
              )
            ) : (
              <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                {models.items.slice(0, SHOWN).map((model) => (
                  <ModelResult key={model.id} model={model} />
                ))}
              </div>
            )}
          </section>
          <section aria-labelledby="datanets-title">
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <SectionTitle count={datanets.ok ? datanets.total : 0}>
                <span id="datanets-title">{searching ? "Datanets found" : "Datanets"}</span>
              </SectionTitle>
              {datanets.ok && datanets.total > 0 ? (
                <Link href={searchHref("/datanets", { q })} data-testid="all-datanets">
                  {searching ? "All matching datanets, with filters" : "Browse all datanets"} →
                </Link>
              ) : null}
            </div>
            {!datanets.ok || datanets.total === 0 ? (
              searching ? (
                <EmptyState title="No datanet matches" testId="datanets-none" />
              ) : (
                <EmptyState title="No datanets published yet" testId="datanets-empty">
                  A datanet is a named corpus that many people add records to; each contribution is anchored on chain.
                </EmptyState>
              )
            ) : (
              <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                {datanets.items.slice(0, SHOWN).map((datanet) => (
                  <DatanetResult key={datanet.id} datanet={datanet} />
                ))}
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
