import { ponder } from "ponder:registry";
import { credit, model, payee, payer, permitSpend, settlement, settlementBatch, skippedInference } from "ponder:schema";
import { decodePayouts, skipReasonName } from "../../lib/chain/settlement";
import { ordinal, origin } from "./event";
import { updateProtocol } from "./protocol";

ponder.on("Market:InferenceSettled", async ({ event, context }) => {
  const { inferenceId, payer: paidBy, modelId, permitNonce, price, fee, attributionHash, payouts } = event.args;
  const at = origin(event);
  // A payee named twice in one inference is one credit of the summed amount.
  const amounts = new Map<`0x${string}`, bigint>();
  for (const { payee: to, amount } of decodePayouts(payouts)) {
    const key = to.toLowerCase() as `0x${string}`;
    amounts.set(key, (amounts.get(key) ?? 0n) + amount);
  }
  await context.db.insert(settlement).values({
    inferenceId,
    payer: paidBy,
    permitNonce,
    modelId,
    price,
    fee,
    attributionHash,
    payeeCount: amounts.size,
    ordinal: ordinal(event),
    ...at,
  });
  let position = 0;
  for (const [to, amount] of amounts) {
    await context.db
      .insert(credit)
      .values({ inferenceId, payee: to, modelId, amount, ordinal: ordinal(event, position++), createdAt: at.createdAt, txHash: at.txHash });
    await context.db
      .insert(payee)
      .values({ address: to, earned: amount, claimed: 0n, inferenceCount: 1, lastCreditAt: at.createdAt })
      .onConflictDoUpdate((row) => ({ earned: row.earned + amount, inferenceCount: row.inferenceCount + 1, lastCreditAt: at.createdAt }));
  }
  await context.db
    .update(payer, { address: paidBy })
    .set((row) => ({ balance: row.balance - price, charged: row.charged + price, updatedAt: at.createdAt }));
  await context.db.update(model, { id: modelId }).set((row) => ({ inferenceCount: row.inferenceCount + 1, revenue: row.revenue + price }));
  await updateProtocol(context, "market", (row) => ({
    settledCount: row.settledCount + 1,
    volume: row.volume + price,
    feesAccrued: row.feesAccrued + fee,
  }));
});

ponder.on("Market:InferenceSkipped", async ({ event, context }) => {
  const { inferenceId, payer: paidBy, reason } = event.args;
  const at = origin(event);
  await context.db
    .insert(skippedInference)
    .values({ id: event.id, inferenceId, payer: paidBy, reason: skipReasonName(reason), createdAt: at.createdAt, txHash: at.txHash });
});

ponder.on("Market:PermitSpent", async ({ event, context }) => {
  const { payer: paidBy, nonce, spent, cap } = event.args;
  const updatedAt = event.block.timestamp;
  await context.db
    .insert(permitSpend)
    .values({ payer: paidBy, nonce, spent, cap, updatedAt })
    .onConflictDoUpdate({ spent, cap, updatedAt });
});

ponder.on("Market:BatchSettled", async ({ event, context }) => {
  const { settler, settled, skipped, charged, fees } = event.args;
  await context.db
    .insert(settlementBatch)
    .values({ id: event.id, settler, settled: Number(settled), skipped: Number(skipped), charged, fees, ...origin(event) });
});
