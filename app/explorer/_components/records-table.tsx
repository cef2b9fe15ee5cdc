import Link from "next/link";
import { AddressLink } from "@/components/address-link";
import type { InferenceRecord } from "@/lib/explorer";

function share(score: number): string {
  return `${(score * 100).toFixed(score > 0 && score < 0.001 ? 3 : 1)}%`;
}

function Verdict({ record }: { record: InferenceRecord }) {
  if (record.copyOf) {
    return (
      <span className="text-stone-600" data-testid="record-copy">
        copy — credited to{" "}
        <a href={`#record-${record.copyOf}`} className="font-mono">
          {record.copyOf}
        </a>
      </span>
    );
  }
  if (record.score > 0) return <span className="font-medium text-emerald-700">credited</span>;
  if (record.retrievedRank !== null && record.spanCredit === 0 && record.contextInfluence === 0) {
    return (
      <span className="text-amber-700" data-testid="record-unused">
        retrieved, unused — earns 0
      </span>
    );
  }
  return <span className="text-amber-700">below the minimum influence — earns 0</span>;
}

/** The records the inference touched: retrieved (in rank order) or credited, with their influence. */
export function RecordsTable({ records }: { records: InferenceRecord[] }) {
  return (
    <ul className="divide-y divide-stone-100 rounded-lg border border-stone-200 bg-white">
      {records.map((record) => (
        <li key={record.id} id={`record-${record.id}`} data-testid="inference-record" className="scroll-mt-24 px-4 py-3 target:bg-brand-50">
          <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 text-sm">
            <span className="flex flex-wrap items-baseline gap-x-3">
              <span className="font-mono font-medium text-stone-900">{record.id}</span>
              <span className="text-stone-500">
                {record.retrievedRank !== null ? `retrieved #${record.retrievedRank}` : "not retrieved"}
              </span>
              {record.datanetId ? <Link href={`/datanets/${record.datanetId}`}>datanet {record.datanetId}</Link> : null}
              <span className="text-stone-500">by {record.contributor ? <AddressLink address={record.contributor} /> : "unknown"}</span>
            </span>
            <span className="flex items-baseline gap-3">
              <Verdict record={record} />
              <span
                className="font-semibold tabular-nums text-stone-900"
                data-testid="record-influence"
                title="Share of the contributors' pool"
              >
                {share(record.score)}
              </span>
            </span>
          </div>
          {record.text !== null ? (
            <details className="mt-1 text-sm text-stone-600">
              <summary className="line-clamp-2 cursor-pointer list-none">{record.text}</summary>
              <p className="mt-1 whitespace-pre-wrap">{record.text}</p>
            </details>
          ) : (
            <p className="mt-1 text-sm text-stone-400">The record's text is not stored here.</p>
          )}
          <p className="mt-1 text-xs text-stone-500 tabular-nums">
            span credit {record.spanCredit.toFixed(2)} tokens · context influence {record.contextInfluence.toFixed(2)}
          </p>
        </li>
      ))}
    </ul>
  );
}
