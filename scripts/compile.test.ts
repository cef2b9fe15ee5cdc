import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ABIS_PATH, CONTRACTS, compileContracts, renderAbisModule } from "./compile";

describe("lib/chain/abis.ts", () => {
  // solc-js compiles in ~10 s of CPU; on a busy shared machine that can take several times longer.
  it("matches a fresh compile of contracts/ (run `npm run compile` when this fails)", { timeout: 240_000 }, () => {
    const fresh = renderAbisModule(compileContracts());
    const committed = readFileSync(ABIS_PATH, "utf8");
    expect(committed === fresh, "lib/chain/abis.ts is stale: run `npm run compile`").toBe(true);
    for (const name of CONTRACTS) expect(committed).toContain(`ABI of ${name}`);
  });
});
