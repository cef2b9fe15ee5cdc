"use client";
import { useConfig } from "wagmi";
import { transactionUrl } from "@/lib/web/chain";
import type { TransactionLife } from "@/lib/web/transaction";
import { Hex } from "./hex";

function TransactionHash({ hash }: { hash: string }) {
  const config = useConfig();
  const url = transactionUrl(config.chains[0], hash);
  return url ? (
    <a href={url} target="_blank" rel="noreferrer" data-testid="tx-hash" data-hash={hash}>
      <Hex value={hash} keep={6} />
    </a>
  ) : (
    <span data-testid="tx-hash" data-hash={hash}>
      <Hex value={hash} keep={6} />
    </span>
  );
}

function Spinner() {
  return (
    <span
      aria-hidden
      className="mr-1 inline-block h-3.5 w-3.5 -mb-0.5 animate-spin rounded-full border-2 border-current border-r-transparent"
    />
  );
}

/** Shows where a transaction stands: waiting for the wallet, pending, confirmed or failed. */
export function TransactionStatus({ life, testId = "tx-status" }: { life: TransactionLife; testId?: string }) {
  if (life.status === "idle") return null;
  const tone = {
    wallet: "border-amber-200 bg-amber-50 text-amber-900",
    pending: "border-sky-200 bg-sky-50 text-sky-900",
    confirmed: "border-emerald-200 bg-emerald-50 text-emerald-900",
    failed: "border-red-200 bg-red-50 text-red-900",
  }[life.status];
  return (
    <div
      role="status"
      aria-live="polite"
      data-testid={testId}
      data-status={life.status}
      className={`mt-3 rounded-md border px-3 py-2 text-sm ${tone}`}
    >
      {life.status === "wallet" ? (
        <p className="flex items-center gap-2">
          <Spinner /> {life.step}: waiting for your wallet…
        </p>
      ) : null}
      {life.status === "pending" ? (
        <p>
          <Spinner /> {life.step}: pending · <TransactionHash hash={life.hash} />
        </p>
      ) : null}
      {life.status === "confirmed" ? (
        <p>
          <span aria-hidden>✓</span> {life.step}: confirmed in block {life.blockNumber.toString()} · <TransactionHash hash={life.hash} />
        </p>
      ) : null}
      {life.status === "failed" ? (
        <div>
          <p>
            <span className="font-medium">{life.step} failed.</span> <span data-testid="tx-error">{life.failure.message}</span>
          </p>
          <p className="mt-0.5 flex flex-wrap gap-x-2 text-xs opacity-75">
            <span>code {life.failure.code}</span>
            {life.hash ? <TransactionHash hash={life.hash} /> : null}
          </p>
        </div>
      ) : null}
    </div>
  );
}
