/**
 * `npm test`: runs every test (unit, integration against anvil and PGlite/PostgreSQL, and the
 * browser end-to-end suite) with vitest, then prints one closing `N passed, N failed` line.
 * Extra arguments go to vitest, e.g. `npm test -- --project unit lib/attribution`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const report = join(mkdtempSync(join(tmpdir(), "upstream-test-")), "report.json");
const vitest = join(process.cwd(), "node_modules", ".bin", "vitest");
const run = spawnSync(
  vitest,
  ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: "inherit" },
);

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults: { status: string; assertionResults: unknown[] }[];
  };
  passed = result.numPassedTests;
  // A file that fails before any test runs (a syntax error, a failed setup) counts as a failure.
  const brokenFiles = result.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  failed = result.numFailedTests + brokenFiles;
} else {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
