import { useCallback } from "react";
import { useConfig, useReadContract } from "wagmi";
import { readContract, simulateContract, writeContract } from "wagmi/actions";
import { upstreamRegistryAbi } from "@/lib/chain/abis";
import { type ModelStatus, modelStatusOf, registryStatusValue } from "@/lib/models/status";
import { usePublicConfig } from "@/lib/web/public-config-context";
import { type TransactionRunner, useTransactionRunner } from "@/lib/web/transaction";

/** The model as the registry holds it now: its owner and status (refreshed after each confirmed transaction). */
export function useModelOnChain(modelId: bigint) {
  const { contracts, chainId } = usePublicConfig();
  const result = useReadContract({
    chainId,
    address: contracts?.registry,
    abi: upstreamRegistryAbi,
    functionName: "getModel",
    args: [modelId],
    query: { enabled: Boolean(contracts) },
  });
  const data = result.data ? { owner: result.data.owner, status: modelStatusOf(result.data.status) } : undefined;
  return { data, isLoading: result.isLoading, error: result.error };
}

/**
 * Pauses or resumes a model from its owner's wallet: `updateModel` with the registry's current
 * price and split (read just before, so a pause never reprices) and the new status.
 */
export function useSetModelStatus(
  modelId: bigint,
): TransactionRunner & { setStatus(status: Exclude<ModelStatus, "retired">): Promise<boolean> } {
  const config = useConfig();
  const { contracts, chainId } = usePublicConfig();
  const runner = useTransactionRunner(chainId);
  const { run } = runner;
  const setStatus = useCallback(
    (status: Exclude<ModelStatus, "retired">) =>
      run(async ({ account, send }) => {
        if (!contracts) throw new Error("No contracts are deployed on this chain.");
        const registry = contracts.registry;
        const current = await readContract(config, {
          chainId,
          address: registry,
          abi: upstreamRegistryAbi,
          functionName: "getModel",
          args: [modelId],
        });
        await send(status === "paused" ? "Pausing the model" : "Resuming the model", async () => {
          const { request } = await simulateContract(config, {
            account,
            chainId,
            address: registry,
            abi: upstreamRegistryAbi,
            functionName: "updateModel",
            args: [modelId, current.pricePerCall, current.ownerBps, registryStatusValue(status)],
          });
          return writeContract(config, request);
        });
      }),
    [config, contracts, chainId, modelId, run],
  );
  return { ...runner, setStatus };
}
