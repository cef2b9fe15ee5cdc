import { isAddressEqual } from "viem";
import { describe, expect, it } from "vitest";
import { devAccounts } from "@/lib/chain/devAccounts";
import { demoPayers, demoPlan, demoQuestionPlan } from "./demo-plan";
import { DEMO_KEY_LABEL, needsQuestions } from "./seed-inferences";

describe("demo inference plan", () => {
  const plan = demoQuestionPlan();
  const models = demoPlan({ contributionsPerDatanet: 1, recordsPerContribution: 1 }).models.map((m) => m.metadata.name);

  it("asks 10-20 questions, each of a model the demo publishes", () => {
    expect(plan.length).toBeGreaterThanOrEqual(10);
    expect(plan.length).toBeLessThanOrEqual(20);
    for (const q of plan) expect(models).toContain(q.model);
    expect(new Set(plan.map((q) => q.question)).size).toBe(plan.length);
  });

  it("spreads the questions so every payer asks every model", () => {
    const payers = demoPayers();
    for (let p = 0; p < payers.length; p++) {
      expect(new Set(plan.filter((q) => q.payer === p).map((q) => q.model))).toEqual(new Set(models));
    }
  });

  it("pays from accounts that own and contribute nothing in the demo", () => {
    const payers = demoPayers();
    expect(new Set(payers.map((p) => p.address)).size).toBe(payers.length);
    for (const payer of payers) {
      expect(devAccounts.some((a) => isAddressEqual(a.address, payer.address))).toBe(false);
    }
  });
});

describe("needsQuestions", () => {
  it("asks when the payer has no demo key, or only unspent or other keys", () => {
    expect(needsQuestions([])).toBe(true);
    expect(needsQuestions([{ label: DEMO_KEY_LABEL, spent: "0", revokedAt: null }])).toBe(true);
    expect(needsQuestions([{ label: "my agent", spent: "5000", revokedAt: null }])).toBe(true);
  });

  it("does not ask again once a demo key has been charged", () => {
    expect(
      needsQuestions([
        { label: "my agent", spent: "0", revokedAt: null },
        { label: DEMO_KEY_LABEL, spent: "1000", revokedAt: null },
      ]),
    ).toBe(false);
  });
});
