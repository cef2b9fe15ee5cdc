"use client";
import Link from "next/link";
import { Button } from "@/components/button";
import { TransactionStatus } from "@/components/transaction-status";
import { formatMoney } from "@/lib/web/format";
import type { TransactionRunner } from "@/lib/web/transaction";

/**
 * The end of a publish review (datanet or model): what the wallet will be asked, a stake the
 * wallet cannot cover, the publish and back buttons, the transaction's state and a refusal.
 */
export function PublishReviewActions({
  runner,
  connected,
  shortOf,
  onPublish,
  onBack,
  refusal,
}: {
  runner: TransactionRunner;
  /** Whether a wallet is connected. */
  connected: boolean;
  /** The wallet's balance and the stake, when the balance does not cover it. */
  shortOf: { balance: bigint; stake: bigint } | null;
  onPublish(): void;
  onBack(): void;
  /** Why the server or the chain refused, if it did. */
  refusal: string | null;
}) {
  return (
    <>
      <p className="mt-4 text-sm text-stone-600">
        Your wallet will ask for up to two transactions: approving the stake for the registry (skipped if already approved), then
        publishing. Nothing is stored here until the chain confirms.
      </p>
      {shortOf ? (
        <p role="alert" className="mt-3 text-sm text-red-700">
          Your wallet holds {formatMoney(shortOf.balance)}; the stake needs {formatMoney(shortOf.stake)}. Get test tokens on the{" "}
          <Link href="/dashboard" className="underline">
            Dashboard
          </Link>
          .
        </p>
      ) : null}
      <div className="mt-4 flex flex-wrap gap-3">
        <Button data-testid="publish-submit" disabled={runner.busy || !connected} onClick={onPublish} className="w-full sm:w-auto">
          Publish with your wallet
        </Button>
        <Button
          variant="secondary"
          disabled={runner.busy}
          onClick={() => {
            runner.reset();
            onBack();
          }}
          className="w-full sm:w-auto"
        >
          Back to editing
        </Button>
      </div>
      {!connected ? <p className="mt-3 text-sm text-stone-600">Connect a wallet to publish.</p> : null}
      <TransactionStatus life={runner.life} testId="publish-status" />
      {refusal ? (
        <p role="alert" data-testid="publish-error" className="mt-3 text-sm text-red-700">
          {refusal}
        </p>
      ) : null}
    </>
  );
}
