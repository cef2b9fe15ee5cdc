/**
 * Helpers for tests and benchmarks that drive real payments: a payments service over a market
 * fixture, and payouts that always add up to a price. Nothing here fakes the chain or the DB.
 */
import type { Address } from "viem";
import type { Db, DbHandle } from "@/db/client";
import type { TestDatabase } from "@/db/testing";
import type { MarketFixture } from "@/lib/chain/fixture";
import { distributableAmount } from "@/lib/chain/settlement";
import { type CreatePaymentsParameters, createPayments, type Payments, type Payout } from "./index";

/** A payments service on `fixture`'s market with the fixture's settler as spender. */
export function paymentsFor(
  db: Db,
  fixture: MarketFixture,
  options: Partial<Omit<CreatePaymentsParameters, "db" | "publicClient" | "deployment" | "settlerAddress">> = {},
): Payments {
  return createPayments({
    db,
    publicClient: fixture.client,
    deployment: fixture.deployment,
    settlerAddress: fixture.deployment.settler,
    ...options,
  });
}

/**
 * Payouts of `price` to `payees` after the protocol fee: equal parts, the rounding remainder to
 * the first payee, so they always sum to price − fee.
 */
export function evenPayouts(price: bigint, feeBps: number, payees: readonly Address[]): Payout[] {
  const pool = distributableAmount(price, feeBps);
  const part = pool / BigInt(payees.length);
  return payees.map((payee, i) => ({ payee, amount: i === 0 ? pool - part * BigInt(payees.length - 1) : part }));
}

/**
 * Opens a test database whose pooled connections may be cut when the throwaway database is
 * dropped right after `close()` (pg's pool reports that as an unhandled 'error' otherwise).
 */
export async function openTestDb(target: TestDatabase): Promise<DbHandle> {
  const handle = await target.open();
  const client = (handle.db as unknown as { $client?: { on?: (event: string, listener: () => void) => void } }).$client;
  if (handle.driver === "postgres") client?.on?.("error", () => undefined);
  return handle;
}
