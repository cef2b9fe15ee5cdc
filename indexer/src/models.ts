import { ponder } from "ponder:registry";
import { model, modelVersion, stake, stakeEvent } from "ponder:schema";
import { MODEL_STATUSES, origin } from "./event";

ponder.on("Registry:ModelPublished", async ({ event, context }) => {
  const { modelId, owner, metadataURI, backendId, datanetIds, pricePerCall, ownerBps, stake: amount } = event.args;
  const at = origin(event);
  await context.db.insert(model).values({
    id: modelId,
    owner,
    metadataUri: metadataURI,
    backendId,
    datanetIds: [...datanetIds],
    pricePerCall,
    ownerBps,
    status: "active",
    version: 1,
    stake: amount,
    inferenceCount: 0,
    revenue: 0n,
    updatedAt: at.createdAt,
    ...at,
  });
  await context.db.insert(modelVersion).values({ modelId, version: 1, pricePerCall, ownerBps, status: "active", ...at });
  await context.db
    .insert(stake)
    .values({ subject: "model", subjectId: modelId, staker: owner, posted: amount, slashed: 0n, withdrawn: 0n });
  await context.db
    .insert(stakeEvent)
    .values({ id: event.id, kind: "posted", subject: "model", subjectId: modelId, staker: owner, amount, ...at });
});

ponder.on("Registry:ModelUpdated", async ({ event, context }) => {
  const { modelId, version, pricePerCall, ownerBps, status } = event.args;
  const terms = { pricePerCall, ownerBps, status: MODEL_STATUSES[status]! };
  const at = origin(event);
  await context.db.insert(modelVersion).values({ modelId, version: Number(version), ...terms, ...at });
  await context.db.update(model, { id: modelId }).set({ ...terms, version: Number(version), updatedAt: at.createdAt });
});
