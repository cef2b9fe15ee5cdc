import { ponder } from "ponder:registry";
import { stake, stakeEvent } from "ponder:schema";
import { origin, SUBJECTS } from "./event";

ponder.on("Registry:UnstakeRequested", async ({ event, context }) => {
  const { subject: code, id: subjectId, staker, amount, unlockAt } = event.args;
  const subject = SUBJECTS[code]!;
  await context.db.update(stake, { subject, subjectId }).set({ unlockAt });
  await context.db
    .insert(stakeEvent)
    .values({ id: event.id, kind: "unstake_requested", subject, subjectId, staker, amount, ...origin(event) });
});

ponder.on("Registry:StakeWithdrawn", async ({ event, context }) => {
  const { subject: code, id: subjectId, staker, amount } = event.args;
  const subject = SUBJECTS[code]!;
  await context.db.update(stake, { subject, subjectId }).set((row) => ({ withdrawn: row.withdrawn + amount }));
  await context.db.insert(stakeEvent).values({ id: event.id, kind: "withdrawn", subject, subjectId, staker, amount, ...origin(event) });
});

ponder.on("Registry:SlashProposed", async ({ event, context }) => {
  const { subject: code, id: subjectId, amount, reason, executableAt } = event.args;
  const subject = SUBJECTS[code]!;
  await context.db.update(stake, { subject, subjectId }).set({ slashPending: amount, slashExecutableAt: executableAt });
  await context.db
    .insert(stakeEvent)
    .values({ id: event.id, kind: "slash_proposed", subject, subjectId, amount, reason, ...origin(event) });
});

ponder.on("Registry:SlashCancelled", async ({ event, context }) => {
  const { subject: code, id: subjectId } = event.args;
  const subject = SUBJECTS[code]!;
  await context.db.update(stake, { subject, subjectId }).set({ slashPending: null, slashExecutableAt: null });
  await context.db.insert(stakeEvent).values({ id: event.id, kind: "slash_cancelled", subject, subjectId, amount: 0n, ...origin(event) });
});

ponder.on("Registry:Slashed", async ({ event, context }) => {
  const { subject: code, id: subjectId, amount, reason } = event.args;
  const subject = SUBJECTS[code]!;
  await context.db
    .update(stake, { subject, subjectId })
    .set((row) => ({ slashed: row.slashed + amount, slashPending: null, slashExecutableAt: null }));
  await context.db.insert(stakeEvent).values({ id: event.id, kind: "slashed", subject, subjectId, amount, reason, ...origin(event) });
});
