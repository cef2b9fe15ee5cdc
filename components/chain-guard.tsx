"use client";
import { useAccount, useSwitchChain } from "wagmi";
import { usePublicConfig } from "@/lib/web/public-config-context";
import { Button } from "./button";

/**
 * Asks a wallet on another chain to switch to the deployment's before a form sends anything;
 * renders nothing when the wallet is on the right chain or not connected.
 */
export function ChainGuard() {
  const { chainId } = usePublicConfig();
  const account = useAccount();
  const { switchChain, isPending, error } = useSwitchChain();
  if (!account.isConnected || account.chainId === undefined || account.chainId === chainId) return null;
  return (
    <div
      role="alert"
      data-testid="wrong-chain"
      className="mb-4 flex flex-wrap items-center justify-between gap-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900"
    >
      <p>
        Your wallet is on chain {account.chainId}; Upstream runs on chain {chainId}.
        {error ? ` The wallet did not switch: ${error.message.split("\n")[0]}` : null}
      </p>
      <Button data-testid="switch-chain" disabled={isPending} onClick={() => switchChain({ chainId })}>
        {isPending ? "Switching…" : `Switch to chain ${chainId}`}
      </Button>
    </div>
  );
}
