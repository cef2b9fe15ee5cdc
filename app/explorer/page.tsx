import type { Metadata } from "next";
import { z } from "zod";
import { AddressLink } from "@/components/address-link";
import { AutoRefresh } from "@/components/auto-refresh";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { SettlementBadge } from "@/components/settlement-badge";
import { Table } from "@/components/table";
import { listRecentInferences } from "@/lib/marketplace/inferences";
import { processServer } from "@/lib/server/root";
import { formatMoney, formatRelativeTime } from "@/lib/web/format";
import { addressSchema } from "@/lib/wire/primitives";

export const metadata: Metadata = { title: "Explorer" };
export const dynamic = "force-dynamic";

const PAGE = 50;

/** `?payer=0x…&model=N&before=N`: each optional, each checked; anything else is a message, never a 500. */
const filterSchema = z
  .object({
    payer: addressSchema.optional(),
    model: z
      .string()
      .regex(/^[0-9]{1,20}$/, "a model id")
      .transform(BigInt)
      .optional(),
    before: z
      .string()
      .regex(/^[1-9][0-9]{0,18}$/, "an inference id")
      .transform(BigInt)
      .optional(),
  })
  .strict();

type Search = Record<string, string | string[] | undefined>;

export default async function ExplorerPage({ searchParams }: { searchParams: Promise<Search> }) {
  const raw = await searchParams;
  // A parameter given twice is refused (the NUL fails every pattern); an empty field is no filter.
  const single = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? "\u0000" : v === "" ? undefined : v]));
  const parsed = filterSchema.safeParse(single);
  const filters = parsed.success ? parsed.data : {};
  const rows = await listRecentInferences(await processServer().source(), {
    limit: PAGE + 1,
    payer: filters.payer,
    modelId: filters.model,
    before: filters.before,
  });
  const inferences = rows.slice(0, PAGE);
  const older = rows.length > PAGE ? inferences.at(-1)!.id : null;
  const link = (extra: Record<string, string>) => {
    const params = new URLSearchParams();
    if (filters.payer) params.set("payer", filters.payer);
    if (filters.model !== undefined) params.set("model", filters.model.toString());
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    return `/explorer?${params}`;
  };
  return (
    <>
      {filters.before === undefined ? <AutoRefresh /> : null}
      <PageHeader
        title="Explorer"
        lead="Every paid inference: which model answered, who paid, how the price was split and whether it is settled on chain."
      />
      <form method="get" action="/explorer" className="mb-4 flex flex-wrap items-end gap-3 text-sm" aria-label="Filter inferences">
        <label className="flex flex-col gap-1">
          <span className="font-medium text-stone-700">Payer</span>
          <input
            name="payer"
            defaultValue={filters.payer ?? ""}
            placeholder="0x…"
            className="w-80 max-w-full rounded-md border border-stone-300 px-2 py-1 font-mono"
          />
        </label>
        <label className="flex flex-col gap-1">
          <span className="font-medium text-stone-700">Model id</span>
          <input
            name="model"
            defaultValue={filters.model?.toString() ?? ""}
            inputMode="numeric"
            className="w-24 rounded-md border border-stone-300 px-2 py-1"
          />
        </label>
        <button type="submit" className="rounded-md border border-stone-300 px-3 py-1 font-medium">
          Filter
        </button>
        {filters.payer || filters.model !== undefined ? <a href="/explorer">Clear</a> : null}
      </form>
      {!parsed.success ? (
        <p role="alert" data-testid="explorer-filter-error" className="mb-4 text-sm text-red-700">
          {parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ")} — showing every inference.
        </p>
      ) : null}
      {inferences.length === 0 ? (
        <EmptyState title="No paid inferences yet" testId="explorer-empty">
          When someone pays for an inference, it appears here with its attribution proof and its on-chain settlement.
        </EmptyState>
      ) : (
        <Table
          minWidth="40rem"
          head={[
            "Inference",
            "Model",
            "Payer",
            { label: "Price", numeric: true },
            { label: "Payees", numeric: true },
            "Settlement",
            "When",
          ]}
        >
          {inferences.map((inference) => (
            <tr key={inference.id} data-testid="inference-row">
              <td className="px-4 py-2 font-mono">
                <a href={`/explorer/${inference.id}`}>#{inference.id}</a>
              </td>
              <td className="px-4 py-2">
                <a href={`/models/${inference.modelId}`}>{inference.modelName ?? `Model ${inference.modelId}`}</a>
              </td>
              <td className="px-4 py-2">
                <AddressLink address={inference.payer} />
              </td>
              <td className="px-4 py-2 text-right tabular-nums">{formatMoney(inference.price)}</td>
              <td className="px-4 py-2 text-right tabular-nums">{inference.payeeCount}</td>
              <td className="px-4 py-2">
                <SettlementBadge settlement={inference.settlement} />
              </td>
              <td className="px-4 py-2 text-stone-500">{formatRelativeTime(inference.createdAt)}</td>
            </tr>
          ))}
        </Table>
      )}
      {older || filters.before !== undefined ? (
        <nav className="mt-4 flex gap-4 text-sm" aria-label="Pages">
          {filters.before !== undefined ? <a href={link({})}>Newest</a> : null}
          {older ? (
            <a href={link({ before: older })} data-testid="explorer-older">
              Older
            </a>
          ) : null}
        </nav>
      ) : null}
    </>
  );
}
