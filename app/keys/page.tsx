import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { KeysManager } from "./_components/keys-manager";

export const metadata: Metadata = { title: "API keys" };

export default function KeysPage() {
  return (
    <>
      <PageHeader
        title="API keys"
        lead="Let programs and agents pay for inferences through the OpenAI-compatible API: each key spends under one of your spend permits, up to its own cap."
      />
      <KeysManager />
    </>
  );
}
