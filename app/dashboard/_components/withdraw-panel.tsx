"use client";
import { AmountInput, useAmountField } from "@/components/amount-input";
import { Button } from "@/components/button";
import { Card } from "@/components/card";
import { TransactionStatus } from "@/components/transaction-status";
import { formatMoney } from "@/lib/web/format";
import { type AccountFunds, useWithdrawal } from "@/lib/web/market";
import { usePublicConfig } from "@/lib/web/public-config-context";

/**
 * Withdraw from the market in the contract's two steps: request (a delay starts, so spend
 * permits already signed can still settle), then withdraw once it is ready; or cancel.
 */
export function WithdrawPanel({ funds, now }: { funds: AccountFunds; now: Date }) {
  const { token } = usePublicConfig();
  const money = (amount: bigint) => formatMoney(amount, token.symbol, token.decimals);
  const field = useAmountField(funds.deposit, `You have ${money(funds.deposit)} deposited.`, true);
  const { life, busy, request, cancel, withdraw, reset } = useWithdrawal();
  const pending = funds.withdrawal;
  const expired = pending !== null && pending.expiresAt <= now;
  const ready = pending !== null && pending.readyAt <= now && !expired;

  return (
    <Card title="Withdraw">
      {pending ? (
        <div className="space-y-3 text-sm">
          <p data-testid="withdrawal-request">
            {money(pending.amount)} requested;{" "}
            {expired
              ? "the request expired: cancel it and request again."
              : ready
                ? `ready to withdraw until ${pending.expiresAt.toLocaleString("en")}.`
                : `ready from ${pending.readyAt.toLocaleString("en")}.`}
          </p>
          <div className="flex flex-wrap gap-2">
            <Button disabled={busy || !ready} onClick={() => withdraw()} data-testid="withdraw-submit">
              Withdraw
            </Button>
            <Button variant="secondary" disabled={busy} onClick={() => cancel()}>
              Cancel request
            </Button>
          </div>
        </div>
      ) : (
        <form
          className="space-y-3"
          onSubmit={async (event) => {
            event.preventDefault();
            if (field.amount !== null && (await request(field.amount))) field.setText("");
          }}
        >
          <AmountInput label="Amount" field={field} onEdit={() => !busy && reset()} testId="withdraw-amount" />
          <p className="text-xs text-stone-500">
            A withdrawal is requested first and completed after the market&apos;s delay, so inferences you already authorised can still be
            paid.
          </p>
          <Button type="submit" variant="secondary" disabled={busy || field.amount === null} className="w-full sm:w-auto">
            Request withdrawal
          </Button>
        </form>
      )}
      <TransactionStatus life={life} testId="withdraw-status" />
    </Card>
  );
}
