import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { EmptyState } from "@/components/empty-state";
import { Hex } from "@/components/hex";
import { ModelCard } from "@/components/marketplace-cards";
import { PageHeader, SectionTitle } from "@/components/page-header";
import { Stat } from "@/components/stat";
import { getDatanet } from "@/lib/marketplace/datanets";
import { parseMarketplaceId } from "@/lib/marketplace/ids";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const id = parseMarketplaceId((await params).id);
  const datanet = id === null ? null : await getDatanet(id);
  return { title: datanet ? datanet.name : "Datanet not found" };
}

export default async function DatanetPage({ params }: Props) {
  const id = parseMarketplaceId((await params).id);
  const datanet = id === null ? null : await getDatanet(id);
  if (!datanet) notFound();
  return (
    <>
      <PageHeader title={datanet.name} lead={datanet.description} />
      <dl className="mb-10 grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Records" value={datanet.recordCount.toLocaleString("en")} />
        <Stat label="Contributions" value={datanet.contributionCount.toLocaleString("en")} />
        <Stat label="Contributors" value={datanet.contributorCount.toLocaleString("en")} />
        <Stat label="License" value={datanet.license} />
      </dl>
      <p className="-mt-6 mb-10 text-sm text-stone-600">
        Published by <Hex value={datanet.publisher} keep={6} />
      </p>

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
        <SectionTitle count={datanet.contributions.length}>Contributions</SectionTitle>
        {datanet.contributions.length === 0 ? (
          <EmptyState title="No contributions yet" />
        ) : (
          <div className="overflow-x-auto rounded-lg border border-stone-200 bg-white">
            <table className="w-full min-w-[32rem] text-left text-sm">
              <thead className="border-b border-stone-200 bg-stone-50 text-xs uppercase tracking-wide text-stone-500">
                <tr>
                  <th className="px-4 py-2 font-medium">#</th>
                  <th className="px-4 py-2 font-medium">Contributor</th>
                  <th className="px-4 py-2 text-right font-medium">Records</th>
                  <th className="px-4 py-2 font-medium">Merkle root</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-stone-100">
                {datanet.contributions.map((contribution) => (
                  <tr key={contribution.id}>
                    <td className="px-4 py-2 font-mono">{contribution.id}</td>
                    <td className="px-4 py-2">
                      <Hex value={contribution.contributor} />
                    </td>
                    <td className="px-4 py-2 text-right tabular-nums">{contribution.recordCount.toLocaleString("en")}</td>
                    <td className="px-4 py-2">
                      <Hex value={contribution.merkleRoot} keep={6} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

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
                  record {record.id} · by <Hex value={record.contributor} />
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
