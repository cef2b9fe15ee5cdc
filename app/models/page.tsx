import type { Metadata } from "next";
import { Field, Pager, ResultCount, SearchForm, SearchProblems, Select, TextInput } from "@/components/browse";
import { ModelResult } from "@/components/browse-results";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { browseFilters, browseModels } from "@/lib/search/browse";
import { processServer } from "@/lib/server/root";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Models" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** A single value of the raw query string, to refill the form after a refusal. */
const one = (value: string | string[] | undefined) => (typeof value === "string" ? value : undefined);

const MODEL_SORTS = [
  { value: "popular", label: "Most payers" },
  { value: "relevance", label: "Best match" },
  { value: "newest", label: "Newest" },
  { value: "earning", label: "Top earning" },
  { value: "price", label: "Lowest price" },
] as const;

export default async function ModelsPage({ searchParams }: Props) {
  const raw = await searchParams;
  const source = await processServer().source();
  const [result, filters] = await Promise.all([browseModels(source, raw), browseFilters(source)]);
  const values = result.ok ? result.params : Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, one(v)]));
  return (
    <>
      <PageHeader
        title="Models"
        lead="Search models by name, card and tags; filter by price, datanet, licence, status and backend. Most payers counts distinct payers other than a model's owner and its contributors."
      />
      <SearchForm action="/models" q={values.q} label="Search models" placeholder="e.g. whales, “State of the Union”, -fiction">
        <Field label="Sort by" htmlFor="sort">
          <Select id="sort" name="sort" value={result.ok ? result.sort : values.sort} options={MODEL_SORTS} />
        </Field>
        <Field label="Status" htmlFor="status">
          <Select
            id="status"
            name="status"
            value={values.status}
            any="Any status"
            options={[
              { value: "active", label: "Active" },
              { value: "paused", label: "Paused" },
              { value: "retired", label: "Retired" },
            ]}
          />
        </Field>
        <Field label="Backend" htmlFor="backend">
          <Select
            id="backend"
            name="backend"
            value={values.backend}
            any="Any backend"
            options={[
              { value: "builtin", label: "Built-in engine" },
              { value: "openai", label: "OpenAI-compatible" },
            ]}
          />
        </Field>
        <Field label="Datanet" htmlFor="datanet">
          <Select
            id="datanet"
            name="datanet"
            value={values.datanet}
            any="Any datanet"
            options={filters.datanets.map((d) => ({ value: d.id, label: d.name }))}
          />
        </Field>
        <Field label="Licence of its data" htmlFor="license">
          <Select
            id="license"
            name="license"
            value={values.license}
            any="Any licence"
            options={filters.licenses.map((l) => ({ value: l.license, label: `${l.license} (${l.count})` }))}
          />
        </Field>
        <div className="grid grid-cols-2 gap-2">
          <Field label="Min tUSD" htmlFor="minPrice">
            <TextInput id="minPrice" name="minPrice" defaultValue={values.minPrice} placeholder="0" inputMode="decimal" />
          </Field>
          <Field label="Max tUSD" htmlFor="maxPrice">
            <TextInput id="maxPrice" name="maxPrice" defaultValue={values.maxPrice} placeholder="any" inputMode="decimal" />
          </Field>
        </div>
      </SearchForm>
      {!result.ok ? (
        <SearchProblems problems={result.problems} resetHref="/models" />
      ) : (
        <section aria-label="Results">
          <ResultCount page={result.search.page} pageSize={result.pageSize} total={result.total} noun="model" />
          {result.items.length === 0 ? (
            <EmptyState title="No model matches" testId="models-none">
              Try fewer words or filters. Search reads whole words (with their plural and other forms), as on a web search engine.
            </EmptyState>
          ) : (
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              {result.items.map((model) => (
                <ModelResult key={model.id} model={model} />
              ))}
            </div>
          )}
          <Pager path="/models" params={result.params} page={result.search.page} pageCount={result.pageCount} />
        </section>
      )}
    </>
  );
}
