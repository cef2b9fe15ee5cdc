import { ponder } from "ponder:registry";
import { role } from "ponder:schema";
import { updateProtocol } from "./protocol";

ponder.on("Registry:MinimumStakesSet", async ({ event, context }) => {
  const { minDatanetStake, minModelStake } = event.args;
  await updateProtocol(context, "registry", { minDatanetStake, minModelStake });
});

ponder.on("Registry:UnstakeDelaySet", async ({ event, context }) => {
  await updateProtocol(context, "registry", { unstakeDelay: event.args.delay });
});

ponder.on("Registry:TreasurySet", async ({ event, context }) => {
  await updateProtocol(context, "registry", { treasury: event.args.treasury });
});

ponder.on("Market:TreasurySet", async ({ event, context }) => {
  await updateProtocol(context, "market", { treasury: event.args.treasury });
});

ponder.on("Market:ProtocolFeeSet", async ({ event, context }) => {
  await updateProtocol(context, "market", { feeBps: event.args.bps });
});

ponder.on("Market:WithdrawalDelaySet", async ({ event, context }) => {
  await updateProtocol(context, "market", { withdrawalDelay: event.args.delay });
});

for (const contract of ["Registry", "Market"] as const) {
  ponder.on(`${contract}:RoleGranted`, async ({ event, context }) => {
    const key = { contract: contract.toLowerCase(), role: event.args.role, account: event.args.account };
    await context.db
      .insert(role)
      .values({ ...key, active: true, updatedAt: event.block.timestamp })
      .onConflictDoUpdate({ active: true, updatedAt: event.block.timestamp });
  });
  ponder.on(`${contract}:RoleRevoked`, async ({ event, context }) => {
    const key = { contract: contract.toLowerCase(), role: event.args.role, account: event.args.account };
    await context.db
      .insert(role)
      .values({ ...key, active: false, updatedAt: event.block.timestamp })
      .onConflictDoUpdate({ active: false, updatedAt: event.block.timestamp });
  });
}
