import { Hex } from "@/components/hex";
import type { SettlementState } from "@/lib/explorer";
import { formatRelativeTime } from "@/lib/web/format";

/** Where the inference's on-chain settlement stands. */
export function SettlementStatus({ settlement }: { settlement: SettlementState }) {
  if (settlement.status === "settled") {
    return (
      <div data-testid="settlement" data-status="settled" className="space-y-1 text-sm">
        <p className="font-semibold text-emerald-700">Settled on chain</p>
        <p>
          Transaction {settlement.transactionHash ? <Hex value={settlement.transactionHash} keep={6} /> : "unknown"}
          {settlement.blockNumber !== null ? <> in block {settlement.blockNumber.toLocaleString("en")}</> : null}
        </p>
        {settlement.settledAt ? <p className="text-stone-500">{formatRelativeTime(settlement.settledAt)}</p> : null}
        {settlement.indexed === false ? <p className="text-stone-500">The indexer has not seen the settlement event yet.</p> : null}
        {settlement.indexed === true ? <p className="text-stone-500">Confirmed by the indexer from the chain's events.</p> : null}
      </div>
    );
  }
  if (settlement.status === "skipped") {
    return (
      <div data-testid="settlement" data-status="skipped" className="space-y-1 text-sm">
        <p className="font-semibold text-red-700">Skipped by the market — nothing was charged</p>
        <p>Reason: {settlement.reason ?? "not recorded"}</p>
      </div>
    );
  }
  const queued = settlement.outbox;
  return (
    <div data-testid="settlement" data-status="pending" className="space-y-1 text-sm">
      <p className="font-semibold text-amber-700">Pending in the settlement outbox</p>
      {queued ? (
        <>
          <p>
            {queued.status === "submitted" && queued.txHash ? (
              <>
                Submitted in transaction <Hex value={queued.txHash} keep={6} />, waiting for its receipt.
              </>
            ) : (
              "Waiting for the next batch."
            )}
            {queued.attempts > 1 ? ` Attempt ${queued.attempts}.` : null}
          </p>
          {queued.lastError ? <p className="text-stone-500">Last error: {queued.lastError}</p> : null}
        </>
      ) : (
        <p>Not queued yet.</p>
      )}
    </div>
  );
}
