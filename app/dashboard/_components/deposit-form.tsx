"use client";
import { useState } from "react";
import { AmountInput, useAmountField } from "@/components/amount-input";
import { Button } from "@/components/button";
import { Card } from "@/components/card";
import { TransactionStatus } from "@/components/transaction-status";
import { formatMoney } from "@/lib/web/format";
import { type DepositMethod, useDeposit } from "@/lib/web/market";
import { usePublicConfig } from "@/lib/web/public-config-context";

/** Deposit into the market: one permit signature and one transaction, or approve + deposit. */
export function DepositForm({ walletBalance }: { walletBalance: bigint }) {
  const { token } = usePublicConfig();
  const field = useAmountField(walletBalance, `Your wallet holds ${formatMoney(walletBalance, token.symbol, token.decimals)}.`, true);
  const [method, setMethod] = useState<DepositMethod>("permit");
  const { life, busy, deposit, reset } = useDeposit();

  return (
    <Card title="Deposit">
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          if (field.amount !== null && (await deposit(field.amount, method))) field.setText("");
        }}
        className="space-y-3"
      >
        <AmountInput label="Amount" field={field} onEdit={() => !busy && reset()} testId="deposit-amount" />
        <fieldset className="space-y-1 text-sm">
          <legend className="sr-only">How to approve the token</legend>
          <label className="flex items-start gap-2">
            <input type="radio" name="method" checked={method === "permit"} onChange={() => setMethod("permit")} className="mt-1" />
            <span>
              Signed approval <span className="text-stone-500">— sign once (EIP-2612), one transaction</span>
            </span>
          </label>
          <label className="flex items-start gap-2">
            <input type="radio" name="method" checked={method === "approve"} onChange={() => setMethod("approve")} className="mt-1" />
            <span>
              Approve + deposit <span className="text-stone-500">— for wallets without typed-data signing</span>
            </span>
          </label>
        </fieldset>
        <Button type="submit" disabled={busy || field.amount === null} data-testid="deposit-submit" className="w-full sm:w-auto">
          Deposit
        </Button>
      </form>
      <TransactionStatus life={life} testId="deposit-status" />
    </Card>
  );
}
