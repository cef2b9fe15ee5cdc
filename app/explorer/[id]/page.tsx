import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { AddressLink } from "@/components/address-link";
import { AutoRefresh } from "@/components/auto-refresh";
import { Card } from "@/components/card";
import { EmptyState } from "@/components/empty-state";
import { Hex } from "@/components/hex";
import { PageHeader, SectionTitle } from "@/components/page-header";
import { Stat } from "@/components/stat";
import {
  getInferenceDetail,
  type InferenceDetail,
  InferenceNotFoundError,
  InvalidInferenceIdError,
  inferenceFigures,
  parseInferenceRef,
} from "@/lib/explorer";
import { processServer } from "@/lib/server/root";
import { formatMoney, formatRelativeTime } from "@/lib/web/format";
import { CreditedAnswer } from "../_components/credited-answer";
import { RecordsTable } from "../_components/records-table";
import { SettlementStatus } from "../_components/settlement-status";
import { SplitTable } from "../_components/split-table";
import { VerifyPanel } from "../_components/verify-panel";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

/** The inference, or null for an id that is malformed or names nothing (the page answers 404); read once per request. */
const load = cache(async (segment: string): Promise<InferenceDetail | null> => {
  try {
    return await getInferenceDetail(await processServer().source(), parseInferenceRef(segment));
  } catch (error) {
    if (error instanceof InvalidInferenceIdError || error instanceof InferenceNotFoundError) return null;
    throw error;
  }
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const inference = await load((await params).id);
  return { title: inference ? `Inference #${inference.onChainId}` : "Inference not found" };
}

export default async function InferencePage({ params }: Props) {
  const segment = (await params).id;
  const inference = await load(segment);
  if (!inference) notFound();
  // One address per inference: the on-chain id (from settlements and earnings) leads to the uuid page.
  if (segment !== inference.id) redirect(`/explorer/${inference.id}`);

  const { contributorRank, spans, selfPaidPercent } = inferenceFigures(inference);

  return (
    <>
      {inference.settlement.status === "pending" ? <AutoRefresh intervalMs={2_000} /> : null}
      <PageHeader
        title={`Inference #${inference.onChainId}`}
        lead={
          <>
            Answered by <Link href={`/models/${inference.model.id}`}>{inference.model.name ?? `model ${inference.model.id}`}</Link> for{" "}
            <AddressLink address={inference.payer} />, {formatRelativeTime(inference.createdAt)}.
          </>
        }
        actions={
          <Link href="/explorer" className="text-sm">
            ← All inferences
          </Link>
        }
      />
      <dl className="mb-6 grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Price" value={formatMoney(inference.price)} testId="inference-price" />
        <Stat label="Payees" value={inference.payouts.length} hint="credited on chain" />
        <Stat
          label="Records credited"
          value={inference.records.filter((r) => r.score > 0).length}
          hint={`of ${inference.records.length} retrieved or matched`}
        />
        <Stat
          label="Self-paid revenue"
          value={selfPaidPercent ?? "—"}
          testId="self-paid-share"
          hint="of this model's revenue paid by its own owner or contributors"
        />
      </dl>

      <div className="grid gap-6 lg:grid-cols-3">
        <div className="min-w-0 space-y-6 lg:col-span-2">
          <Card title="Prompt">
            <p className="whitespace-pre-wrap break-words text-stone-700" data-testid="prompt">
              {inference.prompt}
            </p>
          </Card>
          <Card title="Answer">
            {inference.proofReadable ? (
              <CreditedAnswer output={inference.output} spans={spans} contributorRank={contributorRank} />
            ) : (
              <p className="whitespace-pre-wrap break-words">{inference.output}</p>
            )}
          </Card>
          <section>
            <SectionTitle count={inference.records.length}>Records and their influence</SectionTitle>
            {inference.records.length === 0 ? (
              <EmptyState title="No records were retrieved or matched">
                The model answered without its datanets, so the contributors' pool went where the model's declared policy sends what the
                data does not explain (the model owner before engine version 2).
              </EmptyState>
            ) : (
              <RecordsTable records={inference.records} />
            )}
          </section>
        </div>

        <div className="min-w-0 space-y-6">
          <Card title="Split">
            {inference.split.length === 0 ? (
              <p className="text-sm text-stone-500">The stored proof could not be read, so its split cannot be shown.</p>
            ) : (
              <SplitTable
                split={inference.split}
                total={inference.splitTotal}
                price={inference.price}
                unexplainedPool={inference.unexplainedPool}
              />
            )}
          </Card>
          <Card title="Verify">
            <VerifyPanel inferenceId={inference.id} />
          </Card>
          <Card title="Settlement">
            <SettlementStatus settlement={inference.settlement} />
          </Card>
          <Card title="Attribution proof">
            <dl className="space-y-2 text-sm">
              <div>
                <dt className="text-xs uppercase tracking-wide text-stone-500">Hash (on chain)</dt>
                <dd className="break-all font-mono text-xs" data-testid="attribution-hash">
                  {inference.attributionHash}
                </dd>
              </div>
              {inference.engine ? (
                <div>
                  <dt className="text-xs uppercase tracking-wide text-stone-500">Engine</dt>
                  <dd className="font-mono text-xs">{inference.engine}</dd>
                </div>
              ) : null}
              {inference.index ? (
                <div>
                  <dt className="text-xs uppercase tracking-wide text-stone-500">Index</dt>
                  <dd>
                    {inference.index.records.toLocaleString("en")} records, {inference.index.tokens.toLocaleString("en")} tokens · snapshot{" "}
                    <Hex value={inference.index.snapshot} />
                  </dd>
                </div>
              ) : null}
            </dl>
            <p className="mt-3 text-sm">
              <a href={`/api/inferences/${inference.id}`}>The proof as JSON</a>
            </p>
          </Card>
        </div>
      </div>
    </>
  );
}
