"use client";
import { ConnectButton } from "@rainbow-me/rainbowkit";
import { useAccount } from "wagmi";
import { Button } from "@/components/button";
import { EmptyState } from "@/components/empty-state";
import { Hex } from "@/components/hex";
import { Stat } from "@/components/stat";
import { TransactionStatus } from "@/components/transaction-status";
import { formatMoney } from "@/lib/web/format";
import { useAccountFunds, useClaim } from "@/lib/web/market";
import { usePermits } from "@/lib/web/permit";
import { usePublicConfig } from "@/lib/web/public-config-context";
import { DepositForm } from "./deposit-form";
import { EarningsPanel } from "./earnings-panel";
import { FaucetBanner } from "./faucet-banner";
import { HistoryPanel } from "./history-panel";
import { WithdrawPanel } from "./withdraw-panel";

/** The connected account's money in the market and the forms that move it. */
export function AccountDashboard() {
  const { address, isConnected } = useAccount();
  const { contracts, devFaucet } = usePublicConfig();

  if (!isConnected || !address) {
    return (
      <EmptyState title="Connect a wallet to see your account" testId="dashboard-disconnected">
        <p>Your balance, deposit and earnings are read from the chain for the connected account.</p>
        <div className="mt-4 flex justify-center">
          <ConnectButton />
        </div>
      </EmptyState>
    );
  }
  if (!contracts) {
    return (
      <EmptyState title="No contracts are deployed on this chain">
        Deploy them with <code>npm run deploy</code> (or start the local stack with <code>npm start</code>).
      </EmptyState>
    );
  }
  return <FundsView account={address} devFaucet={devFaucet} />;
}

function FundsView({ account, devFaucet }: { account: `0x${string}`; devFaucet: boolean }) {
  const { token } = usePublicConfig();
  const { data: funds, error } = useAccountFunds(account);
  const claim = useClaim();
  const { debt } = usePermits(account);
  const money = (amount: bigint) => formatMoney(amount, token.symbol, token.decimals);

  return (
    <div className="space-y-6">
      <p className="text-sm text-stone-600">
        Account <Hex value={account} keep={6} />
      </p>
      {devFaucet ? <FaucetBanner /> : null}
      {error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          Could not read the chain: {error.message.split("\n")[0]}
        </p>
      ) : null}
      <dl className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <Stat label="Wallet" value={funds ? money(funds.wallet) : "…"} testId="wallet-balance" hint="Tokens in your wallet" />
        <Stat label="Market deposit" value={funds ? money(funds.deposit) : "…"} testId="market-deposit" hint="Pays for your inferences" />
        <Stat
          label="Claimable earnings"
          value={funds ? money(funds.claimable) : "…"}
          testId="claimable"
          hint={
            <Button
              variant="secondary"
              className="mt-1 !px-2 !py-1 text-xs"
              disabled={!funds || funds.claimable === 0n || claim.busy}
              onClick={() => claim.claim()}
            >
              Claim
            </Button>
          }
        />
      </dl>
      {debt > 0n ? (
        <p role="alert" data-testid="payer-debt" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          You owe {money(debt)} for answers the market could not charge (a signature that stopped being valid, a permit that lapsed or a
          deposit withdrawn before settlement). Inferences are refused until your free deposit covers it and the price.
        </p>
      ) : null}
      <TransactionStatus life={claim.life} testId="claim-status" />
      <div className="grid gap-4 lg:grid-cols-2">
        <DepositForm walletBalance={funds?.wallet ?? 0n} />
        {funds ? <WithdrawPanel funds={funds} now={new Date()} /> : null}
      </div>
      <HistoryPanel account={account} />
      <EarningsPanel account={account} />
    </div>
  );
}
