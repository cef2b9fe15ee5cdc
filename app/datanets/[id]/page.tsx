import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { AddressLink } from "@/components/address-link";
import { EmptyState } from "@/components/empty-state";
import { Hex } from "@/components/hex";
import { Markdown } from "@/components/markdown";
import { ModelCard } from "@/components/marketplace-cards";
import { PageHeader, SectionTitle } from "@/components/page-header";
import { Stat } from "@/components/stat";
import { Table } from "@/components/table";
import { getDatanet } from "@/lib/marketplace/datanets";
import { parseMarketplaceId } from "@/lib/marketplace/ids";
import { processServer } from "@/lib/server/root";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

/** The datanet, or null for an id that is malformed or names nothing; read once per request. */
const load = cache(async (segment: string) => {
  const id = parseMarketplaceId(segment);
  return id === null ? null : getDatanet(await processServer().source(), id);
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const datanet = await load((await params).id);
  return { title: datanet ? datanet.name : "Datanet not found" };
}

export default async function DatanetPage({ params }: Props) {
  const datanet = await load((await params).id);
  if (!datanet) notFound();
  return (
    <>
      <PageHeader
        title={datanet.name}
        actions={
          <Link
            href={`/datanets/${datanet.id}/contribute`}
            data-testid="datanet-contribute"
            className="rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-800 hover:no-underline"
          >
            Contribute records
          </Link>
        }
      />
      <dl className="mb-4 grid grid-cols-3 gap-3">
        <Stat label="Records" value={datanet.recordCount.toLocaleString("en")} />
        <Stat label="Contributions" value={datanet.contributionCount.toLocaleString("en")} />
        <Stat label="Contributors" value={datanet.contributorCount.toLocaleString("en")} />
      </dl>
      <p className="mb-10 text-sm text-stone-600">
        Published by <AddressLink address={datanet.publisher} keep={6} /> · licence:{" "}
        <span data-testid="datanet-license">
          {datanet.licenseUrl ? (
            <a href={datanet.licenseUrl} rel="nofollow noopener noreferrer" target="_blank" className="underline">
              {datanet.license}
            </a>
          ) : (
            datanet.license
          )}
        </span>
        {datanet.tags.length > 0 ? <span data-testid="datanet-tags"> · tags: {datanet.tags.join(", ")}</span> : null}
        {" · "}
        <Link href={`/datanets/${datanet.id}/records`} data-testid="records-link">
          Search all {datanet.recordCount.toLocaleString("en")} records, with what each earned
        </Link>
      </p>

      {datanet.description ? (
        <section className="mb-10">
          <SectionTitle>Datanet card</SectionTitle>
          <Markdown
            text={datanet.description}
            data-testid="datanet-card"
            className="rounded-lg border border-stone-200 bg-white p-4 text-sm leading-relaxed text-stone-700"
          />
        </section>
      ) : null}

      <section className="mb-10">
        <SectionTitle count={datanet.models.length}>Models using it</SectionTitle>
        {datanet.models.length === 0 ? (
          <EmptyState title="No model draws on this datanet yet" />
        ) : (
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {datanet.models.map((model) => (
              <ModelCard key={model.id} model={model} />
            ))}
          </div>
        )}
      </section>

      <section className="mb-10">
        <SectionTitle count={datanet.contributors.length}>Contributors</SectionTitle>
        {datanet.contributors.length === 0 ? (
          <EmptyState title="No contributions yet">
            Records are added in contributions, each anchored on chain by its Merkle root.
          </EmptyState>
        ) : (
          <Table minWidth="18rem" head={["Contributor", { label: "Contributions", numeric: true }, { label: "Records", numeric: true }]}>
            {datanet.contributors.map((c) => (
              <tr key={c.contributor}>
                <td className="px-4 py-2">
                  <AddressLink address={c.contributor} keep={6} />
                </td>
                <td className="px-4 py-2 text-right tabular-nums">{c.contributionCount.toLocaleString("en")}</td>
                <td className="px-4 py-2 text-right tabular-nums">{c.recordCount.toLocaleString("en")}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>

      {datanet.contributions.length > 0 ? (
        <section className="mb-10">
          <SectionTitle>Latest contributions</SectionTitle>
          <Table head={["#", "Contributor", { label: "Records", numeric: true }, "Merkle root"]}>
            {datanet.contributions.map((contribution) => (
              <tr key={contribution.id}>
                <td className="px-4 py-2 font-mono">{contribution.id}</td>
                <td className="px-4 py-2">
                  <AddressLink address={contribution.contributor} />
                </td>
                <td className="px-4 py-2 text-right tabular-nums">{contribution.recordCount.toLocaleString("en")}</td>
                <td className="px-4 py-2">
                  <Hex value={contribution.merkleRoot} keep={6} />
                </td>
              </tr>
            ))}
          </Table>
        </section>
      ) : null}

      <section>
        <SectionTitle>Sample records</SectionTitle>
        {datanet.sampleRecords.length === 0 ? (
          <EmptyState title="No records yet" />
        ) : (
          <ul className="space-y-3">
            {datanet.sampleRecords.map((record) => (
              <li key={record.id} className="rounded-lg border border-stone-200 bg-white p-4">
                <p className="line-clamp-4 whitespace-pre-line text-sm text-stone-700">{record.text}</p>
                <p className="mt-2 text-xs text-stone-500">
                  record {record.id} · by <AddressLink address={record.contributor} />
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
