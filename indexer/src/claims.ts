import { ponder } from "ponder:registry";
import { claim, feeCollection, payee } from "ponder:schema";
import { origin } from "./event";
import { updateProtocol } from "./protocol";

ponder.on("Market:Claimed", async ({ event, context }) => {
  const { payee: address, amount } = event.args;
  await context.db.update(payee, { address }).set((row) => ({ claimed: row.claimed + amount }));
  await context.db.insert(claim).values({ id: event.id, payee: address, amount, ...origin(event) });
});

ponder.on("Market:FeesCollected", async ({ event, context }) => {
  const { treasury, amount } = event.args;
  const at = origin(event);
  await context.db.insert(feeCollection).values({ id: event.id, treasury, amount, createdAt: at.createdAt, txHash: at.txHash });
  await updateProtocol(context, "market", (row) => ({ feesCollected: row.feesCollected + amount }));
});
