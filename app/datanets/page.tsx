import type { Metadata } from "next";
import { Field, Pager, ResultCount, SearchForm, SearchProblems, Select } from "@/components/browse";
import { DatanetResult } from "@/components/browse-results";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { browseDatanets, browseFilters } from "@/lib/search/browse";
import { processServer } from "@/lib/server/root";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Datanets" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const one = (value: string | string[] | undefined) => (typeof value === "string" ? value : undefined);

const DATANET_SORTS = [
  { value: "popular", label: "Most payers" },
  { value: "relevance", label: "Best match" },
  { value: "newest", label: "Newest" },
  { value: "earning", label: "Top earning" },
  { value: "records", label: "Most records" },
] as const;

export default async function DatanetsPage({ searchParams }: Props) {
  const raw = await searchParams;
  const source = await processServer().source();
  const [result, filters] = await Promise.all([browseDatanets(source, raw), browseFilters(source)]);
  const values = result.ok ? result.params : Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, one(v)]));
  return (
    <>
      <PageHeader
        title="Datanets"
        lead="Search the corpora models draw on by name, description and tags; filter by licence. Most payers counts the distinct payers of the models that use a datanet, other than their owners and contributors."
      />
      <SearchForm action="/datanets" q={values.q} label="Search datanets" placeholder="e.g. speeches, novels, “Moby-Dick”">
        <Field label="Sort by" htmlFor="sort">
          <Select id="sort" name="sort" value={result.ok ? result.sort : values.sort} options={DATANET_SORTS} />
        </Field>
        <Field label="Licence" htmlFor="license" className="col-span-1 sm:col-span-2">
          <Select
            id="license"
            name="license"
            value={values.license}
            any="Any licence"
            options={filters.licenses.map((l) => ({ value: l.license, label: `${l.license} (${l.count})` }))}
          />
        </Field>
      </SearchForm>
      {!result.ok ? (
        <SearchProblems problems={result.problems} resetHref="/datanets" />
      ) : (
        <section aria-label="Results">
          <ResultCount page={result.search.page} pageSize={result.pageSize} total={result.total} noun="datanet" />
          {result.items.length === 0 ? (
            <EmptyState title="No datanet matches" testId="datanets-none">
              Try fewer words or another licence.
            </EmptyState>
          ) : (
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              {result.items.map((datanet) => (
                <DatanetResult key={datanet.id} datanet={datanet} />
              ))}
            </div>
          )}
          <Pager path="/datanets" params={result.params} page={result.search.page} pageCount={result.pageCount} />
        </section>
      )}
    </>
  );
}
