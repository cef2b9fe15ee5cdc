import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { AddressLink } from "@/components/address-link";
import { Pager, ResultCount, SearchForm, SearchProblems } from "@/components/browse";
import { EmptyState } from "@/components/empty-state";
import { Hex } from "@/components/hex";
import { PageHeader, SectionTitle } from "@/components/page-header";
import { Table } from "@/components/table";
import { parseMarketplaceId } from "@/lib/marketplace/ids";
import { browseRecords } from "@/lib/search/records";
import { processServer } from "@/lib/server/root";
import { formatMoney } from "@/lib/web/format";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/** The page's data, or null for an id that is malformed or names nothing; read once per request. */
const load = cache(async (segment: string, raw: Record<string, string | string[] | undefined>) => {
  const id = parseMarketplaceId(segment);
  return id === null ? null : browseRecords(await processServer().source(), id, raw);
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const id = parseMarketplaceId((await params).id);
  return { title: id === null ? "Datanet not found" : `Records of datanet ${id}` };
}

export default async function DatanetRecordsPage({ params, searchParams }: Props) {
  const segment = (await params).id;
  const raw = await searchParams;
  const page = await load(segment, raw);
  if (!page) notFound();
  const { datanet, records, contributors } = page;
  const path = `/datanets/${datanet.id}/records`;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/datanets/${datanet.id}`}>← {datanet.name}</Link>
      </p>
      <PageHeader
        title={`Records of ${datanet.name}`}
        lead="Every record in on-chain order: who contributed it, where it sits in its contribution's Merkle tree (with the proof against the root the registry holds) and what it has earned from settled inferences."
      />
      <SearchForm
        action={path}
        q={records.ok ? records.params.q : typeof raw.q === "string" ? raw.q : undefined}
        label="Search the records"
        placeholder="Words in the records, e.g. “public credit”, whale -ship"
        testId="records-search"
      />
      {!records.ok ? (
        <SearchProblems problems={records.problems} resetHref={path} />
      ) : (
        <section aria-label="Records" className="mb-10">
          <ResultCount page={records.search.page} pageSize={records.pageSize} total={records.total} noun="record" />
          {records.items.length === 0 ? (
            <EmptyState title={records.search.q ? "No record matches" : "No records yet"} testId="records-none" />
          ) : (
            <ol className="space-y-3">
              {records.items.map((record) => (
                <li
                  key={record.id}
                  data-testid="record"
                  data-record-id={record.id}
                  className="rounded-lg border border-stone-200 bg-white p-4"
                >
                  {record.excerpt ? (
                    <p data-testid="record-excerpt" className="whitespace-pre-line break-words text-sm text-stone-800">
                      {record.excerpt.map((run, i) =>
                        run.match ? (
                          <mark key={i} className="rounded-sm bg-amber-100 px-0.5 text-stone-900">
                            {run.text}
                          </mark>
                        ) : (
                          <span key={i}>{run.text}</span>
                        ),
                      )}
                    </p>
                  ) : (
                    <p className="line-clamp-6 whitespace-pre-line break-words text-sm text-stone-800">{record.text}</p>
                  )}
                  <dl className="mt-3 grid grid-cols-1 gap-x-6 gap-y-1 text-xs text-stone-600 sm:grid-cols-2 lg:grid-cols-4">
                    <div className="flex gap-1">
                      <dt>Record</dt>
                      <dd className="font-mono text-stone-800" title="Contribution id : leaf position">
                        {record.id}
                      </dd>
                    </div>
                    <div className="flex gap-1">
                      <dt>By</dt>
                      <dd>
                        <AddressLink address={record.contributor} />
                      </dd>
                    </div>
                    <div className="flex gap-1">
                      <dt>Contribution</dt>
                      <dd>
                        #{record.contributionId}, leaf {record.position} · tx <Hex value={record.transactionHash} />
                      </dd>
                    </div>
                    <div className="flex gap-1">
                      <dt>Earned</dt>
                      <dd data-testid="record-earned" className="tabular-nums text-stone-800">
                        {formatMoney(record.earned)}
                        {record.creditCount > 0 ? ` in ${record.creditCount} inference${record.creditCount === 1 ? "" : "s"}` : ""}
                      </dd>
                    </div>
                  </dl>
                  <p className="mt-2 text-xs">
                    <a href={record.proofHref} data-testid="record-proof">
                      Merkle proof of record {record.id}
                    </a>
                  </p>
                </li>
              ))}
            </ol>
          )}
          <Pager path={path} params={records.params} page={records.search.page} pageCount={records.pageCount} />
        </section>
      )}

      <section aria-labelledby="contributors-title">
        <SectionTitle count={contributors.length}>
          <span id="contributors-title">Contributors</span>
        </SectionTitle>
        {contributors.length === 0 ? (
          <EmptyState title="No contributions yet" />
        ) : (
          <Table
            minWidth="20rem"
            head={[
              "Contributor",
              { label: "Contributions", numeric: true },
              { label: "Records", numeric: true },
              { label: "Earned", numeric: true },
            ]}
          >
            {contributors.map((c) => (
              <tr key={c.contributor} data-testid="contributor-row">
                <td className="px-4 py-2">
                  <AddressLink address={c.contributor} />
                </td>
                <td className="px-4 py-2 text-right tabular-nums">{c.contributionCount.toLocaleString("en")}</td>
                <td className="px-4 py-2 text-right tabular-nums">{c.recordCount.toLocaleString("en")}</td>
                <td className="px-4 py-2 text-right tabular-nums">{formatMoney(c.earned)}</td>
              </tr>
            ))}
          </Table>
        )}
        <p className="mt-2 text-xs text-stone-600">
          Earnings are read from the stored attribution proofs of settled inferences: each contributor's payout in an inference, shared
          among its credited records by score.
        </p>
      </section>
    </>
  );
}
