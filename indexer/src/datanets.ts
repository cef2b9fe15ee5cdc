import { ponder } from "ponder:registry";
import { contribution, datanet, datanetContributor, stake, stakeEvent } from "ponder:schema";
import { origin } from "./event";

ponder.on("Registry:DatanetPublished", async ({ event, context }) => {
  const { datanetId, owner, metadataURI, license, stake: amount } = event.args;
  await context.db.insert(datanet).values({
    id: datanetId,
    owner,
    metadataUri: metadataURI,
    license,
    stake: amount,
    closed: false,
    contributionCount: 0,
    recordCount: 0n,
    contributorCount: 0,
    ...origin(event),
  });
  await context.db
    .insert(stake)
    .values({ subject: "datanet", subjectId: datanetId, staker: owner, posted: amount, slashed: 0n, withdrawn: 0n });
  await context.db
    .insert(stakeEvent)
    .values({ id: event.id, kind: "posted", subject: "datanet", subjectId: datanetId, staker: owner, amount, ...origin(event) });
});

ponder.on("Registry:ContributionAdded", async ({ event, context }) => {
  const { contributionId, datanetId, contributor, merkleRoot, recordCount, firstRecordId } = event.args;
  await context.db
    .insert(contribution)
    .values({ id: contributionId, datanetId, contributor, merkleRoot, recordCount, firstRecordId, ...origin(event) });
  const share = await context.db.find(datanetContributor, { datanetId, contributor });
  await context.db
    .insert(datanetContributor)
    .values({ datanetId, contributor, contributionCount: 1, recordCount })
    .onConflictDoUpdate((row) => ({ contributionCount: row.contributionCount + 1, recordCount: row.recordCount + recordCount }));
  await context.db.update(datanet, { id: datanetId }).set((row) => ({
    contributionCount: row.contributionCount + 1,
    recordCount: row.recordCount + recordCount,
    contributorCount: row.contributorCount + (share ? 0 : 1),
  }));
});

ponder.on("Registry:DatanetClosed", async ({ event, context }) => {
  await context.db.update(datanet, { id: event.args.datanetId }).set({ closed: true });
});
