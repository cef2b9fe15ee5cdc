import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { DatanetResult, ModelResult } from "@/components/browse-results";
import { EmptyState } from "@/components/empty-state";
import { Hex } from "@/components/hex";
import { PageHeader, SectionTitle } from "@/components/page-header";
import { Stat } from "@/components/stat";
import { Table } from "@/components/table";
import { getAccountProfile, parseAccountAddress } from "@/lib/marketplace/accounts";
import { processServer } from "@/lib/server/root";
import { formatMoney, shortHex } from "@/lib/web/format";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ address: string }> };

/** The profile, or null for a segment that is not an address; read once per request. */
const load = cache(async (segment: string) => {
  const address = parseAccountAddress(segment);
  return address === null ? null : getAccountProfile(await processServer().source(), address);
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const address = parseAccountAddress((await params).address);
  return { title: address ? `Account ${shortHex(address)}` : "Not an account" };
}

export default async function AccountPage({ params }: Props) {
  const profile = await load((await params).address);
  if (!profile) notFound();
  const { earnings } = profile;
  return (
    <>
      <PageHeader
        title={<>Account {shortHex(profile.address, 6)}</>}
        lead={
          <>
            <span data-testid="account-address" className="break-all font-mono text-sm">
              {profile.address}
            </span>
            <br />
            What this address published, contributed and earned.
          </>
        }
      />
      <dl className="mb-10 grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Stat
          label="Earned on chain"
          testId="account-earned"
          value={earnings ? formatMoney(earnings.earned) : "—"}
          hint={earnings ? `${formatMoney(earnings.claimable)} to claim` : "The indexer cannot say right now."}
        />
        <Stat
          label="Its records earned"
          testId="account-record-earnings"
          value={formatMoney(profile.recordEarnings)}
          hint="From settled inferences' proofs"
        />
        <Stat
          label="Records"
          value={profile.recordCount.toLocaleString("en")}
          hint={`in ${profile.contributions.length} contribution${profile.contributions.length === 1 ? "" : "s"}`}
        />
        <Stat
          label="Published"
          value={`${profile.models.length + profile.datanets.length}`}
          hint={`${profile.models.length} models, ${profile.datanets.length} datanets`}
        />
      </dl>

      <section className="mb-10" aria-labelledby="account-models">
        <SectionTitle count={profile.models.length}>
          <span id="account-models">Models</span>
        </SectionTitle>
        {profile.models.length === 0 ? (
          <EmptyState title="No models published" />
        ) : (
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {profile.models.map((model) => (
              <ModelResult key={model.id} model={model} />
            ))}
          </div>
        )}
      </section>

      <section className="mb-10" aria-labelledby="account-datanets">
        <SectionTitle count={profile.datanets.length}>
          <span id="account-datanets">Datanets</span>
        </SectionTitle>
        {profile.datanets.length === 0 ? (
          <EmptyState title="No datanets published" />
        ) : (
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {profile.datanets.map((datanet) => (
              <DatanetResult key={datanet.id} datanet={datanet} />
            ))}
          </div>
        )}
      </section>

      <section className="mb-10" aria-labelledby="account-contributions">
        <SectionTitle count={profile.contributions.length}>
          <span id="account-contributions">Contributions</span>
        </SectionTitle>
        {profile.contributions.length === 0 ? (
          <EmptyState title="No contributions" />
        ) : (
          <Table head={["#", "Datanet", { label: "Records", numeric: true }, "Merkle root", "Transaction"]}>
            {profile.contributions.map((c) => (
              <tr key={c.id} data-testid="account-contribution">
                <td className="px-4 py-2 font-mono">{c.id}</td>
                <td className="px-4 py-2">
                  <Link href={`/datanets/${c.datanetId}/records`}>{c.datanetName}</Link>
                </td>
                <td className="px-4 py-2 text-right tabular-nums">{c.recordCount.toLocaleString("en")}</td>
                <td className="px-4 py-2">
                  <Hex value={c.merkleRoot} />
                </td>
                <td className="px-4 py-2">
                  <Hex value={c.transactionHash} />
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>

      <section aria-labelledby="account-credits">
        <SectionTitle count={earnings?.inferenceCount}>
          <span id="account-credits">Latest credits</span>
        </SectionTitle>
        {!earnings ? (
          <EmptyState title="Credits are not available right now">
            The indexer, which reads them from the chain, cannot be reached.
          </EmptyState>
        ) : earnings.credits.length === 0 ? (
          <EmptyState title="No credits yet">
            An account is credited when an inference it owns the model of, or drew on its records, settles.
          </EmptyState>
        ) : (
          <Table minWidth="20rem" head={["Inference", "Model", { label: "Credited", numeric: true }]}>
            {earnings.credits.map((c) => (
              <tr key={c.inferenceId}>
                <td className="px-4 py-2">
                  <Link href={`/explorer/${c.inferenceId}`}>#{c.inferenceId}</Link>
                </td>
                <td className="px-4 py-2">
                  <Link href={`/models/${c.modelId}`}>{c.modelName ?? `model ${c.modelId}`}</Link>
                </td>
                <td className="px-4 py-2 text-right tabular-nums">{formatMoney(c.amount)}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}
