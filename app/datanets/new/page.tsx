import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { PublishDatanetForm } from "./_components/publish-form";

export const metadata: Metadata = { title: "Publish a datanet" };

export default function NewDatanetPage() {
  return (
    <>
      <PageHeader
        title="Publish a datanet"
        lead="A datanet is a named corpus that many people add records to. Publishing it posts a stake on chain; the card, licence and tags are anchored by their hash."
      />
      <PublishDatanetForm />
    </>
  );
}
