import { maxUint256 } from "viem";
import { describe, expect, it } from "vitest";
import { devAccounts } from "@/lib/chain/devAccounts";
import { jsonResponse } from "@/lib/http";
import { readErrorBody } from "./errors";
import { type ApiKeyListAnswer, apiKeyListAnswerSchema } from "./payments";
import { addressSchema, decimalUint256Schema, onChainIdSchema } from "./primitives";

describe("wire schemas", () => {
  it("read back what the edge writes: bigints from decimal strings, dates from ISO strings", async () => {
    const answer: ApiKeyListAnswer = {
      keys: [
        {
          id: "7f6c1c9e-8f0e-4a43-9a59-2d1e3c4b5a69",
          payer: devAccounts[2].address,
          permitId: "0b6f4b0e-5c1a-4a43-9a59-2d1e3c4b5a69",
          prefix: "upk_3f9a1c2b",
          label: "agent",
          spendCap: maxUint256,
          spent: 0n,
          createdAt: new Date("2026-12-04T20:00:00.000Z"),
          revokedAt: null,
          lastUsedAt: new Date("2026-12-04T20:01:00.000Z"),
        },
      ],
    };
    expect(apiKeyListAnswerSchema.parse(await jsonResponse(answer).json())).toEqual(answer);
  });

  it("refuse what is not a uint256, an address or an error answer", () => {
    for (const bad of ["", "-1", "01", "1.5", "0x10", " 1", (maxUint256 + 1n).toString()]) {
      expect(decimalUint256Schema.safeParse(bad).success, bad).toBe(false);
      expect(onChainIdSchema.safeParse(bad).success, bad).toBe(false);
    }
    expect(addressSchema.parse(devAccounts[2].address.toLowerCase())).toBe(devAccounts[2].address);
    expect(addressSchema.safeParse("0x1234").success).toBe(false);
    expect(readErrorBody({ error: { code: "PERMIT_INVALID", message: "no", reason: "BAD_SIGNATURE" } })).toEqual({
      code: "PERMIT_INVALID",
      message: "no",
      reason: "BAD_SIGNATURE",
    });
    expect(readErrorBody({ permits: [] })).toBeNull();
  });
});
