import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { PageHeader } from "@/components/page-header";
import { getDatanet } from "@/lib/marketplace/datanets";
import { parseMarketplaceId } from "@/lib/marketplace/ids";
import { processServer } from "@/lib/server/root";
import { ContributeForm } from "./_components/contribute-form";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

const load = cache(async (segment: string) => {
  const id = parseMarketplaceId(segment);
  return id === null ? null : getDatanet(await processServer().source(), id);
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const datanet = await load((await params).id);
  return { title: datanet ? `Contribute to ${datanet.name}` : "Datanet not found" };
}

export default async function ContributePage({ params }: Props) {
  const datanet = await load((await params).id);
  if (!datanet) notFound();
  return (
    <>
      <PageHeader
        title={`Contribute to ${datanet.name}`}
        lead={
          <>
            Records are checked, counted and hashed in your browser; one wallet transaction anchors their Merkle root on chain, and they are
            stored once it is confirmed. Licence: {datanet.license}.{" "}
            <Link href={`/datanets/${datanet.id}`} className="underline">
              Back to the datanet
            </Link>
          </>
        }
      />
      <ContributeForm datanetId={datanet.id} />
    </>
  );
}
