/**
 * `npm test`: runs the two halves of `npm run lint` (Biome, then the layer rules), then every test
 * (unit, integration against anvil and PGlite/PostgreSQL, and the browser end-to-end suite) with
 * vitest, and prints one closing `N passed, N failed` line in which each lint half counts as one.
 * A failed lint fails the run, but the tests still run so the report is complete.
 * Extra arguments go to vitest, e.g. `npm test -- --project unit lib/attribution`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Each lint half counts as one check; its output is printed as it runs.
const lints = ["lint:code", "lint:layers"].map((script) => ({
  script,
  ok: spawnSync("npm", ["run", "--silent", script], { stdio: "inherit" }).status === 0,
}));

const report = join(mkdtempSync(join(tmpdir(), "upstream-test-")), "report.json");
const vitest = join(process.cwd(), "node_modules", ".bin", "vitest");
const run = spawnSync(vitest, ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  stdio: "inherit",
});

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults: { status: string; assertionResults: { status: string }[] }[];
  };
  passed = result.numPassedTests;
  // A file that fails without a failed test (a syntax error, a failed beforeAll that skips its
  // tests) counts as a failure.
  const brokenFiles = result.testResults.filter(
    (f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"),
  ).length;
  failed = result.numFailedTests + brokenFiles;
} else {
  failed = 1;
}
const lintFailures = lints.filter((lint) => !lint.ok);
passed += lints.length - lintFailures.length;
failed += lintFailures.length;
for (const lint of lintFailures) console.log(`npm run ${lint.script} failed (its output is above)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
