import type { InferenceSummary } from "@/lib/marketplace/types";

/** Where an inference's payment stands: settled on chain, waiting in the outbox, or refused (with why). */
export function SettlementBadge({ settlement }: { settlement: InferenceSummary["settlement"] }) {
  if (settlement.status === "settled") return <span className="text-emerald-700">settled</span>;
  if (settlement.status === "pending") return <span className="text-amber-700">pending</span>;
  return (
    <span className="text-red-700" title={settlement.reason ?? undefined}>
      refused{settlement.reason ? ` (${settlement.reason})` : ""}
    </span>
  );
}
