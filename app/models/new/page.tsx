import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { listDatanets } from "@/lib/marketplace/datanets";
import { processServer } from "@/lib/server/root";
import { PublishModelForm } from "./_components/publish-model-form";

export const metadata: Metadata = { title: "Publish a model" };
export const dynamic = "force-dynamic";

export default async function NewModelPage() {
  const datanets = await listDatanets(await processServer().source());
  return (
    <>
      <PageHeader
        title="Publish a model"
        lead="A model answers paid questions from the datanets it draws on. Publishing it posts a stake on chain with its price and split; its card and backend are anchored by their hash."
      />
      <PublishModelForm datanets={datanets.map((d) => ({ id: d.id, name: d.name, recordCount: d.recordCount, license: d.license }))} />
    </>
  );
}
