/** Test support for the process's server (`processServer()`), as route tests and `next start` use it. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDeployment } from "@/lib/chain/deploy";
import type { MarketFixture } from "@/lib/chain/fixture";

/**
 * Sets the process's environment as `npm start` would for `fixture`: a fresh DATA_DIR holding its
 * deployment file, its chain, the embedded database, plus `env`. Returns the folder.
 */
export function configureProcessFor(fixture: MarketFixture, env: Record<string, string> = {}): string {
  const dataDir = mkdtempSync(join(tmpdir(), "upstream-process-"));
  writeDeployment(join(dataDir, "deployment.json"), fixture.deployment);
  Object.assign(process.env, {
    DATA_DIR: dataDir,
    DEPLOYMENT_FILE: join(dataDir, "deployment.json"),
    RPC_URL: fixture.anvil.rpcUrl,
    CHAIN_ID: String(fixture.anvil.chainId),
    ...env,
  });
  delete process.env.DATABASE_URL;
  return dataDir;
}
