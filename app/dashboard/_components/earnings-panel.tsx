"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef } from "react";
import { EmptyState } from "@/components/empty-state";
import { Hex } from "@/components/hex";
import { SectionTitle } from "@/components/page-header";
import { Table } from "@/components/table";
import { formatMoney, formatRelativeTime } from "@/lib/web/format";
import { usePublicConfig } from "@/lib/web/public-config-context";
import { accountEarningsSchema } from "@/lib/wire/earnings";
import { readErrorBody } from "@/lib/wire/errors";

async function fetchEarnings(account: string) {
  const response = await fetch(`/api/accounts/${account}/earnings`, { cache: "no-store" });
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(readErrorBody(body)?.message ?? `HTTP ${response.status}`);
  return accountEarningsSchema.parse(body);
}

// Credits seen by an earlier poll; rows not in it are new and briefly highlighted.
function useNewCredits(keys: readonly string[] | undefined): (key: string) => boolean {
  const seen = useRef<Set<string> | null>(null);
  const previous = seen.current;
  useEffect(() => {
    if (keys) seen.current = new Set([...(seen.current ?? []), ...keys]);
  }, [keys]);
  // The first page is not "new": only what arrives while the page is open is.
  return (key) => previous !== null && !previous.has(key);
}

const creditKey = (credit: { inferenceId: string; transactionHash: string }) => `${credit.inferenceId}-${credit.transactionHash}`;

/** What the account has earned, inference by inference, polled every 2 seconds so new credits appear live. */
export function EarningsPanel({ account }: { account: `0x${string}` }) {
  const { token } = usePublicConfig();
  const money = (value: bigint) => formatMoney(value, token.symbol, token.decimals);
  const { data, error } = useQuery({
    queryKey: ["earnings", account],
    queryFn: () => fetchEarnings(account),
    refetchInterval: 2_000,
  });

  const isNew = useNewCredits(data?.credits.map(creditKey));

  return (
    <section>
      <SectionTitle count={data?.inferenceCount}>Earnings by inference</SectionTitle>
      {error && !data ? (
        <EmptyState title="Earnings are not available right now" testId="earnings-unavailable">
          {error.message}
        </EmptyState>
      ) : !data ? (
        <p className="text-sm text-stone-500">Loading…</p>
      ) : data.credits.length === 0 ? (
        <EmptyState title="No earnings yet" testId="earnings-empty">
          Each paid inference that draws on your records or runs your model credits you on chain; the credits are listed here as they
          settle.
        </EmptyState>
      ) : (
        <>
          <p className="mb-3 text-sm text-stone-600" data-testid="earnings-totals">
            {money(data.earned)} earned · {money(data.claimed)} claimed · {money(data.claimable)} to claim
          </p>
          <Table head={["Inference", "Model", { label: "Credited", numeric: true }, "Settled", "Transaction"]}>
            {data.credits.map((credit) => (
              <tr
                key={creditKey(credit)}
                data-testid="earnings-row"
                data-new={isNew(creditKey(credit)) || undefined}
                className={isNew(creditKey(credit)) ? "bg-emerald-50 transition-colors" : undefined}
              >
                <td className="px-4 py-2 font-mono">
                  <Link href={`/explorer/${credit.inferenceId}`}>#{credit.inferenceId}</Link>
                </td>
                <td className="px-4 py-2">
                  <Link href={`/models/${credit.modelId}`}>{credit.modelName ?? `Model ${credit.modelId}`}</Link>
                </td>
                <td className="px-4 py-2 text-right tabular-nums">{money(credit.amount)}</td>
                <td className="px-4 py-2 text-stone-500">{formatRelativeTime(credit.settledAt)}</td>
                <td className="px-4 py-2">
                  <Hex value={credit.transactionHash} />
                </td>
              </tr>
            ))}
          </Table>
        </>
      )}
    </section>
  );
}
