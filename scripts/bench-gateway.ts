/**
 * `npm run bench:gateway [-- --seconds 60 --clients 50 --json]`: paid inferences through the
 * OpenAI-compatible API on the built-in engine, end to end.
 *
 * It starts its own anvil and deploys the contracts, then a server process that runs the real
 * route files of app/api/v1 (node:http, the embedded PGlite by default or PostgreSQL with
 * --database-url) with the settler beside it, seeds a model over Moby-Dick (real text, five
 * contributors), and registers permits and API keys for eight payers over the API. Then
 * `--clients` concurrent clients send chat completions for `--seconds`. With PostgreSQL,
 * `--workers N` runs N gateway processes over the one database (the gateway is stateless over
 * Postgres; the settler runs in the first), the clients spread across them. It reports throughput,
 * client latency p50/p95, the server's split of each answer's time (payment, retrieval,
 * backend, attribution), and — after the settler drains — the share of paid inferences settled
 * on chain, checking from the chain's events that each was settled exactly once.
 * `--cpu-prof DIR` writes a CPU profile of each server process.
 * With --json the last line is one JSON object (inferencesPerSec, settledShare, attributionP95Ms, …).
 *
 * The parts: bench-gateway/server.ts (the server process), driver.ts (setup and load), report.ts (figures).
 */
import { parseArgs } from "node:util";
import { runGatewayBenchmark } from "./bench-gateway/driver";
import { gatewayFigures, printReport } from "./bench-gateway/report";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    clients: { type: "string", default: "50" },
    "database-url": { type: "string" },
    workers: { type: "string", default: "1" },
    "cpu-prof": { type: "string" },
    next: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const workers = Number(values.workers);
if (!(seconds > 0) || !Number.isInteger(clients) || clients < 1 || !Number.isInteger(workers) || workers < 1) {
  console.error("bench:gateway: --seconds must be positive, --clients and --workers positive integers");
  process.exit(2);
}
if (values.next && (workers > 1 || values["cpu-prof"])) {
  console.error("bench:gateway: --next runs one `next start`; --workers and --cpu-prof are for the route-file server");
  process.exit(2);
}
if (workers > 1 && !values["database-url"]) {
  console.error("bench:gateway: --workers > 1 needs --database-url (PGlite allows one process per database)");
  process.exit(2);
}
const log = (line: string) => console.log(line);

const options = { seconds, clients, workers, databaseUrl: values["database-url"], cpuProfileDir: values["cpu-prof"], next: values.next };
const result = await runGatewayBenchmark(options, log);
const figures = gatewayFigures(options, result);
printReport(figures, result.elapsedMs, log);
if (values.json) console.log(JSON.stringify(figures));
