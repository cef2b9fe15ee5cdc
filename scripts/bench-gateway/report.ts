/**
 * The report of `npm run bench:gateway`: figures from what the driver measured, against the targets,
 * printed as a few lines (and, with --json, as one JSON object).
 */
import { cpus } from "node:os";
import type { GatewayBenchOptions, GatewayBenchResult, Timings } from "./driver";

const ATTRIBUTION_BUDGET_MS = 25;
const TARGET_PER_SEC = 200;

/** The benchmark's figures, in the order of its JSON line. */
export type GatewayFigures = ReturnType<typeof gatewayFigures>;

/** Figures of one run: throughput, CPU, latencies and the server's split of them, settlement on chain. */
export function gatewayFigures(options: GatewayBenchOptions, result: GatewayBenchResult) {
  const { drained } = result;
  const paid = result.latencies.length;
  const perSec = paid / (result.elapsedMs / 1000);
  const pick = (f: (t: Timings) => number) => result.timings.map(f);
  return {
    seconds: options.seconds,
    clients: options.clients,
    database: options.databaseUrl ? "postgres" : "pglite",
    server: options.next ? "next start" : "route files on node:http",
    workers: options.workers,
    paidInferences: paid,
    inferencesPerSec: round(perSec),
    errors: Object.fromEntries(result.errors),
    inferencesPerSecByTenth: result.perTenth.map((n) => round(n / ((options.seconds * 1000) / 10_000))),
    serverCpuMsPerInference: round(result.serverCpuMs / Math.max(1, paid)),
    inferencesPerCpuSecond: round((paid / result.serverCpuMs) * 1000),
    loadAverage: round(result.loadAverage),
    latencyP50Ms: round(percentile(result.latencies, 50)),
    latencyP95Ms: round(percentile(result.latencies, 95)),
    backendP50Ms: round(
      percentile(
        pick((t) => t.backendMs),
        50,
      ),
    ),
    backendP95Ms: round(
      percentile(
        pick((t) => t.backendMs),
        95,
      ),
    ),
    retrievalP95Ms: round(
      percentile(
        pick((t) => t.retrievalMs),
        95,
      ),
    ),
    attributionP50Ms: round(
      percentile(
        pick((t) => t.attributionMs),
        50,
      ),
    ),
    attributionP95Ms: round(
      percentile(
        pick((t) => t.attributionMs),
        95,
      ),
    ),
    attributionCpuP50Ms: round(
      percentile(
        pick((t) => t.attributionCpuMs),
        50,
      ),
    ),
    attributionCpuP95Ms: round(
      percentile(
        pick((t) => t.attributionCpuMs),
        95,
      ),
    ),
    paymentP50Ms: round(
      percentile(
        pick((t) => t.paymentMs),
        50,
      ),
    ),
    paymentP95Ms: round(
      percentile(
        pick((t) => t.paymentMs),
        95,
      ),
    ),
    committedInferences: drained.committed,
    settledOnChainOnce: result.settledOnce,
    settledShare: drained.committed === 0 ? 0 : round(result.settledOnce / drained.committed, 4),
    settledTwice: result.settledTwice,
    unknownOnChain: result.unknownOnChain,
    failedSettlements: drained.failed,
    settlementTransactions: result.settlementTransactions,
    targetInferencesPerSec: TARGET_PER_SEC,
    attributionBudgetP95Ms: ATTRIBUTION_BUDGET_MS,
    meetsThroughputTarget: perSec >= TARGET_PER_SEC,
    meetsAttributionBudget:
      percentile(
        pick((t) => t.attributionMs),
        95,
      ) <= ATTRIBUTION_BUDGET_MS,
    exactlyOnce: result.settledOnce === drained.committed && result.settledTwice === 0 && result.unknownOnChain === 0,
  };
}

/** Prints the figures as the benchmark's summary lines. */
export function printReport(figures: GatewayFigures, elapsedMs: number, log: (line: string) => void): void {
  const f = figures;
  log("");
  log(
    `paid inferences      ${f.paidInferences} in ${round(elapsedMs / 1000)} s = ${f.inferencesPerSec}/s (target ${TARGET_PER_SEC}/s) on ${f.database}, ${f.server === "next start" ? "`next start`" : `${f.workers} gateway process(es) serving the route files`}`,
  );
  log(`per tenth of the run ${f.inferencesPerSecByTenth.join(" ")} /s`);
  log(
    `gateway CPU          ${f.serverCpuMsPerInference} ms per paid inference = ${f.inferencesPerCpuSecond} per CPU-second (machine load average ${f.loadAverage} on ${cpus().length} cores)`,
  );
  log(`errors               ${JSON.stringify(f.errors)}`);
  log(`client latency       p50 ${f.latencyP50Ms} ms   p95 ${f.latencyP95Ms} ms`);
  log(`  backend            p50 ${f.backendP50Ms} ms   p95 ${f.backendP95Ms} ms (retrieval p95 ${f.retrievalP95Ms} ms)`);
  log(
    `  attribution        p50 ${f.attributionP50Ms} ms   p95 ${f.attributionP95Ms} ms (budget ${ATTRIBUTION_BUDGET_MS} ms p95); CPU p50 ${f.attributionCpuP50Ms} ms   p95 ${f.attributionCpuP95Ms} ms`,
  );
  log(`  payment            p50 ${f.paymentP50Ms} ms   p95 ${f.paymentP95Ms} ms (authorize + commit)`);
  log(
    `settled on chain     ${f.settledOnChainOnce} of ${f.committedInferences} exactly once (${round(f.settledShare * 100, 2)}%) in ${f.settlementTransactions} transactions; twice: ${f.settledTwice}; failed: ${f.failedSettlements}`,
  );
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
