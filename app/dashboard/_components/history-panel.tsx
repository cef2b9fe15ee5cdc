"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Button } from "@/components/button";
import { EmptyState } from "@/components/empty-state";
import { SectionTitle } from "@/components/page-header";
import { Table } from "@/components/table";
import { formatMoney, formatRelativeTime } from "@/lib/web/format";
import { usePublicConfig } from "@/lib/web/public-config-context";
import { readErrorBody } from "@/lib/wire/errors";
import { payerHistorySchema } from "@/lib/wire/history";

async function fetchHistory(account: string, before: string | null) {
  const query = before ? `?before=${before}` : "";
  const response = await fetch(`/api/accounts/${account}/inferences${query}`, { cache: "no-store" });
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(readErrorBody(body)?.message ?? `HTTP ${response.status}`);
  return payerHistorySchema.parse(body);
}

const statusWords = { settled: "settled on chain", pending: "waiting to settle", failed: "refused by the market" } as const;

/** The account's own paid inferences, newest first, 50 a page, with what they cost in total. */
export function HistoryPanel({ account }: { account: `0x${string}` }) {
  const { token } = usePublicConfig();
  const money = (value: bigint) => formatMoney(value, token.symbol, token.decimals);
  // The cursors of the pages seen so far: the first page has none.
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const before = pages.at(-1) ?? null;
  const { data, error } = useQuery({
    queryKey: ["history", account, before],
    queryFn: () => fetchHistory(account, before),
    refetchInterval: before ? false : 4_000,
  });

  return (
    <section>
      <SectionTitle count={data?.totals.inferences}>Your inferences</SectionTitle>
      {error && !data ? (
        <EmptyState title="Your inferences are not available right now">{error.message}</EmptyState>
      ) : !data ? (
        <p className="text-sm text-stone-500">Loading…</p>
      ) : data.totals.inferences === 0 ? (
        <EmptyState title="No inferences yet" testId="history-empty">
          Questions you pay for — in a model's playground or through the API — are listed here with what each cost.
        </EmptyState>
      ) : (
        <>
          <p className="mb-3 text-sm text-stone-600" data-testid="history-totals">
            {money(data.totals.settled)} settled · {money(data.totals.pending)} waiting to settle
            {data.totals.failed > 0n ? ` · ${money(data.totals.failed)} refused by the market (owed)` : ""}
          </p>
          <Table head={["Inference", "Model", { label: "Price", numeric: true }, "Status", "When"]}>
            {data.inferences.map((inference) => (
              <tr key={inference.id} data-testid="history-row">
                <td className="px-4 py-2 font-mono">
                  <Link href={`/explorer/${inference.id}`}>#{inference.id}</Link>
                </td>
                <td className="px-4 py-2">
                  <Link href={`/models/${inference.modelId}`}>{inference.modelName ?? `Model ${inference.modelId}`}</Link>
                </td>
                <td className="px-4 py-2 text-right tabular-nums">{money(inference.price)}</td>
                <td className="px-4 py-2">
                  {statusWords[inference.status]}
                  {inference.reason ? ` (${inference.reason})` : ""}
                </td>
                <td className="px-4 py-2 text-stone-500">{formatRelativeTime(inference.createdAt)}</td>
              </tr>
            ))}
          </Table>
          <div className="mt-3 flex gap-2">
            {pages.length > 1 ? (
              <Button variant="secondary" onClick={() => setPages((p) => p.slice(0, -1))}>
                Newer
              </Button>
            ) : null}
            {data.nextCursor ? (
              <Button variant="secondary" data-testid="history-older" onClick={() => setPages((p) => [...p, data.nextCursor])}>
                Older
              </Button>
            ) : null}
          </div>
        </>
      )}
    </section>
  );
}
