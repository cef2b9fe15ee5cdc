"use client";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { type Address, isAddressEqual } from "viem";
import { useAccount } from "wagmi";
import { Button } from "@/components/button";
import { Card } from "@/components/card";
import { TransactionStatus } from "@/components/transaction-status";
import type { ModelStatus } from "@/lib/models/status";
import { useModelOnChain, useSetModelStatus } from "./use-model-status";

/**
 * For the model's owner only: pause or resume it with a wallet transaction, the status read from
 * the registry itself. `shownStatus` is what the page was rendered with; after a confirmed
 * change the page is refreshed every second until it shows the chain's status (the server
 * learns of the change from the chain within about a second).
 */
export function OwnerControls({ modelId, owner, shownStatus }: { modelId: string; owner: Address; shownStatus: ModelStatus }) {
  const { address } = useAccount();
  if (!address || !isAddressEqual(address, owner)) return null;
  return <Controls modelId={BigInt(modelId)} shownStatus={shownStatus} />;
}

function Controls({ modelId, shownStatus }: { modelId: bigint; shownStatus: ModelStatus }) {
  const router = useRouter();
  const onChain = useModelOnChain(modelId);
  const { life, busy, setStatus } = useSetModelStatus(modelId);
  const status = onChain.data?.status;
  const catchingUp = life.status === "confirmed" && status !== undefined && status !== shownStatus;

  useEffect(() => {
    if (!catchingUp) return;
    const timer = setInterval(() => router.refresh(), 1_000);
    return () => clearInterval(timer);
  }, [catchingUp, router]);

  return (
    <Card title="Your model" className="mb-10">
      <div data-testid="owner-controls" data-status={status} className="flex flex-wrap items-center justify-between gap-3">
        {status === "retired" ? (
          <p className="text-sm text-stone-600">This model is retired: its stake was withdrawn or slashed, so it cannot be resumed.</p>
        ) : status === "paused" ? (
          <>
            <p className="text-sm text-stone-600">Paused: the gateway refuses paid questions to this model until you resume it.</p>
            <Button data-testid="model-resume" disabled={busy} onClick={() => setStatus("active")} className="w-full sm:w-auto">
              Resume model
            </Button>
          </>
        ) : status === "active" ? (
          <>
            <p className="text-sm text-stone-600">
              Pausing stops new paid questions within seconds; its price, split and stake stay as they are.
            </p>
            <Button
              variant="secondary"
              data-testid="model-pause"
              disabled={busy}
              onClick={() => setStatus("paused")}
              className="w-full sm:w-auto"
            >
              Pause model
            </Button>
          </>
        ) : (
          <p className="text-sm text-stone-500">{onChain.error ? "The registry could not be read." : "Reading the registry…"}</p>
        )}
      </div>
      <TransactionStatus life={life} testId="model-status-tx" />
    </Card>
  );
}
