import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import type { Hex, TransactionReceipt } from "viem";
import { useConfig } from "wagmi";
import { getAccount, switchChain, waitForTransactionReceipt } from "wagmi/actions";
import { describeTransactionError, type TransactionFailure } from "./errors";

/** Where one user action stands, from the wallet prompt to the receipt. */
export type TransactionLife =
  | { status: "idle" }
  | { status: "wallet"; step: string }
  | { status: "pending"; step: string; hash: Hex }
  | { status: "confirmed"; step: string; hash: Hex; blockNumber: bigint }
  | { status: "failed"; step: string; failure: TransactionFailure; hash?: Hex };

/** A transaction was mined but reverted (the simulation passed, the chain moved on meanwhile). */
export class TransactionRevertedError extends Error {
  readonly code = "TRANSACTION_REVERTED";
  constructor(readonly hash: Hex) {
    super(`Transaction ${hash} reverted on chain.`);
    this.name = "TransactionRevertedError";
  }
}

/** What a flow can do; each call moves the life along. */
export type TransactionSteps = {
  /** The connected account, on the configured chain (switched to it if needed). */
  account: Hex;
  /** Asks the wallet for a signature (no transaction), labelled `step` while it waits. */
  sign(step: string, ask: () => Promise<Hex>): Promise<Hex>;
  /** Sends one transaction (`write` simulates, then asks the wallet) and waits for its receipt. */
  send(step: string, write: () => Promise<Hex>): Promise<TransactionReceipt>;
};

/** The life of a user action and a way to run one. */
export type TransactionRunner = {
  /** Where the last (or current) action stands. */
  life: TransactionLife;
  /** True from the wallet prompt until confirmed or failed. */
  busy: boolean;
  /** Runs a flow of signatures and transactions; resolves true when every step went through. */
  run(flow: (steps: TransactionSteps) => Promise<void>): Promise<boolean>;
  /** Back to idle (e.g. when the form changes). */
  reset(): void;
};

/**
 * Runs wallet flows and reports their life: waiting for the wallet, pending with the hash,
 * confirmed, or failed with the decoded reason. Every read is refreshed after a confirmation.
 */
export function useTransactionRunner(chainId: number): TransactionRunner {
  const config = useConfig();
  const queryClient = useQueryClient();
  const [life, setLife] = useState<TransactionLife>({ status: "idle" });
  const running = useRef(false);

  const run = useCallback(
    async (flow: (steps: TransactionSteps) => Promise<void>) => {
      if (running.current) return false;
      running.current = true;
      let step = "Preparing";
      let hash: Hex | undefined;
      try {
        setLife({ status: "wallet", step });
        const current = getAccount(config);
        if (!current.address) throw new Error("Connect a wallet first.");
        if (current.chainId !== chainId) await switchChain(config, { chainId });
        await flow({
          account: current.address,
          async sign(label, ask) {
            step = label;
            hash = undefined;
            setLife({ status: "wallet", step });
            return ask();
          },
          async send(label, write) {
            step = label;
            hash = undefined;
            setLife({ status: "wallet", step });
            hash = await write();
            setLife({ status: "pending", step, hash });
            const receipt = await waitForTransactionReceipt(config, { hash, chainId });
            if (receipt.status !== "success") throw new TransactionRevertedError(hash);
            setLife({ status: "confirmed", step, hash, blockNumber: receipt.blockNumber });
            // Refresh every read in the background: the flow (and the form) must not wait for slow ones.
            void queryClient.invalidateQueries();
            return receipt;
          },
        });
        return true;
      } catch (error) {
        setLife({ status: "failed", step, failure: describeTransactionError(error), hash });
        return false;
      } finally {
        running.current = false;
      }
    },
    [config, queryClient, chainId],
  );

  const reset = useCallback(() => setLife({ status: "idle" }), []);
  return { life, busy: life.status === "wallet" || life.status === "pending", run, reset };
}
