/** The per-contract settings row every settings and fee handler updates. */
import type { Context } from "ponder:registry";
import { protocol } from "ponder:schema";

type ProtocolRow = typeof protocol.$inferInsert;
type Change = Partial<Omit<ProtocolRow, "contract">> | ((row: typeof protocol.$inferSelect) => Partial<ProtocolRow>);

/** Applies `change` to the row of `contract`, creating the row on first use. */
export async function updateProtocol(context: Context, contract: "registry" | "market", change: Change): Promise<void> {
  await context.db
    .insert(protocol)
    .values({ contract, settledCount: 0, volume: 0n, feesAccrued: 0n, feesCollected: 0n })
    .onConflictDoNothing();
  await context.db.update(protocol, { contract }).set(change);
}
