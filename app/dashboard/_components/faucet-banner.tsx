"use client";
import { Button } from "@/components/button";
import { TransactionStatus } from "@/components/transaction-status";
import { formatMoney } from "@/lib/web/format";
import { useFaucet } from "@/lib/web/market";
import { usePublicConfig } from "@/lib/web/public-config-context";

// What one click mints: enough for a few deposits, well under the token's per-call limit.
const FAUCET_AMOUNT = 1_000_000_000n;

/** Test tokens for the connected account; shown only when the payment token is the test token. */
export function FaucetBanner() {
  const { token } = usePublicConfig();
  const { life, busy, drip } = useFaucet();
  const amount = formatMoney(FAUCET_AMOUNT, token.symbol, token.decimals);
  return (
    <section className="rounded-lg border border-brand-200 bg-brand-50 p-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-brand-900">
          <span className="font-medium">Test chain.</span> The payment token here is a test token with an open faucet.
        </p>
        <Button disabled={busy} onClick={() => drip(FAUCET_AMOUNT)} data-testid="faucet-button" className="w-full sm:w-auto">
          Get {amount}
        </Button>
      </div>
      <TransactionStatus life={life} testId="faucet-status" />
    </section>
  );
}
