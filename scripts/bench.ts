/**
 * `npm run bench`: runs every benchmark one after another (never side by side: they would
 * measure each other) and prints each one's JSON summary. `-- --json` prints one JSON object
 * keyed by benchmark name as the last line. `-- gas attribution` runs only those.
 */
import { spawnSync } from "node:child_process";

const all = ["gas", "attribution", "gateway"] as const;
const args = process.argv.slice(2);
const json = args.includes("--json");
const picked = args.filter((a) => !a.startsWith("--"));
const names = picked.length > 0 ? picked : [...all];

const unknown = names.filter((n) => !(all as readonly string[]).includes(n));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(", ")} (known: ${all.join(", ")})`);
  process.exit(2);
}

const results: Record<string, unknown> = {};
let failed = 0;
for (const name of names) {
  console.log(`\n=== bench:${name} ===`);
  const run = spawnSync("npm", ["run", "--silent", `bench:${name}`, "--", "--json"], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = (run.stdout ?? "").trimEnd().split("\n");
  console.log(lines.slice(0, -1).join("\n"));
  try {
    results[name] = JSON.parse(lines.at(-1) ?? "");
  } catch {
    results[name] = { error: `exit ${run.status}, no JSON summary` };
  }
  if (run.status !== 0) failed++;
  console.log(`bench:${name} -> ${JSON.stringify(results[name])}`);
}
if (json) console.log(JSON.stringify(results));
process.exit(failed === 0 ? 0 : 1);
