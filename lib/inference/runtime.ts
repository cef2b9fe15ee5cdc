/**
 * The process's service for the inference routes: the shared database, the process's payments
 * service (`lib/server/payments.ts`) and one gateway (so model indexes are built once per
 * process). Kept on globalThis so that Next.js module reloads in development reuse it.
 */
import type { Db } from "@/db/client";
import { sharedDb } from "@/db/client";
import { upstreamMarketAbi } from "@/lib/chain/abis";
import { publicClientFor } from "@/lib/chain/clients";
import { readDeployment } from "@/lib/chain/deploy";
import { config } from "@/lib/config";
import type { Payments } from "@/lib/payments";
import { sharedPayments } from "@/lib/server/payments";
import { type Gateway, createGateway } from "./gateway";

/** What the inference routes need. */
export type InferenceService = {
  /** The app's database. */
  db: Db;
  /** The process's payments service (permits, API keys, holds). */
  payments: Payments;
  /** The gateway. */
  gateway: Gateway;
};

const shared = globalThis as typeof globalThis & { __upstreamInference?: Promise<InferenceService> };

/** The process's inference service, created from the configuration on first use. */
export function sharedInferenceService(): Promise<InferenceService> {
  shared.__upstreamInference ??= (async () => {
    const settings = config();
    const { db } = await sharedDb(settings);
    const deployment = readDeployment(settings.deploymentFile);
    const publicClient = publicClientFor({ chainId: deployment.chainId, rpcUrl: settings.rpcUrl });
    const payments = await sharedPayments();
    // The split must use the fee the market takes; it changes rarely, so it is read once a minute.
    let fee: { bps: number; at: number } | undefined;
    const protocolFeeBps = async () => {
      if (!fee || Date.now() - fee.at > 60_000) {
        const bps = await publicClient.readContract({ address: deployment.market, abi: upstreamMarketAbi, functionName: "feeBps" });
        fee = { bps: Number(bps), at: Date.now() };
      }
      return fee.bps;
    };
    return { db, payments, gateway: createGateway({ db, payments, config: settings, protocolFeeBps }) };
  })().catch((error) => {
    shared.__upstreamInference = undefined;
    throw error;
  });
  return shared.__upstreamInference;
}
