import { ponder } from "ponder:registry";
import { depositEvent, payer } from "ponder:schema";
import { origin } from "./event";

ponder.on("Market:Deposited", async ({ event, context }) => {
  const { payer: address, amount, balance } = event.args;
  const at = origin(event);
  await context.db
    .insert(payer)
    .values({ address, balance, deposited: amount, withdrawn: 0n, charged: 0n, updatedAt: at.createdAt })
    .onConflictDoUpdate((row) => ({ balance, deposited: row.deposited + amount, updatedAt: at.createdAt }));
  await context.db.insert(depositEvent).values({ id: event.id, payer: address, kind: "deposit", amount, ...at });
});

ponder.on("Market:WithdrawalRequested", async ({ event, context }) => {
  const { payer: address, amount, readyAt } = event.args;
  const at = origin(event);
  await context.db.update(payer, { address }).set({ withdrawalAmount: amount, withdrawalReadyAt: readyAt, updatedAt: at.createdAt });
  await context.db.insert(depositEvent).values({ id: event.id, payer: address, kind: "withdrawal_requested", amount, readyAt, ...at });
});

ponder.on("Market:WithdrawalCancelled", async ({ event, context }) => {
  const at = origin(event);
  await context.db
    .update(payer, { address: event.args.payer })
    .set({ withdrawalAmount: null, withdrawalReadyAt: null, updatedAt: at.createdAt });
  await context.db.insert(depositEvent).values({ id: event.id, payer: event.args.payer, kind: "withdrawal_cancelled", amount: 0n, ...at });
});

ponder.on("Market:Withdrawn", async ({ event, context }) => {
  const { payer: address, amount } = event.args;
  const at = origin(event);
  await context.db.update(payer, { address }).set((row) => ({
    balance: row.balance - amount,
    withdrawn: row.withdrawn + amount,
    withdrawalAmount: null,
    withdrawalReadyAt: null,
    updatedAt: at.createdAt,
  }));
  await context.db.insert(depositEvent).values({ id: event.id, payer: address, kind: "withdrawal", amount, ...at });
});
