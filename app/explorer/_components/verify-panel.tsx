"use client";
import { useMutation } from "@tanstack/react-query";
import { Button } from "@/components/button";
import { Hex } from "@/components/hex";
import { readErrorBody } from "@/lib/wire/errors";
import { type InferenceVerificationAnswer, inferenceVerificationSchema } from "@/lib/wire/explorer";

/** The verdict as the panel shows it. */
export type Verdict = InferenceVerificationAnswer;

async function verify(inferenceId: string): Promise<Verdict> {
  const response = await fetch(`/api/inferences/${inferenceId}/verify`, { method: "POST", cache: "no-store" });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new Error(readErrorBody(body)?.message ?? `The server answered ${response.status}`);
  return inferenceVerificationSchema.parse(body);
}

const CHECKS: { key: keyof Verdict["checks"]; label: string }[] = [
  { key: "recomputed", label: "Re-running the engine on the stored prompt, context, answer and records gives the same proof" },
  { key: "proofMatchesHash", label: "The stored proof hashes to the attribution hash sent on chain" },
  { key: "payoutsMatchSplit", label: "The payouts sent to the market are the proof's split" },
  { key: "splitSumsToPrice", label: "The split sums to the price" },
];

/** Verify: asks the server to recompute the attribution from the stored inputs and shows match or mismatch. */
export function VerifyPanel({ inferenceId }: { inferenceId: string }) {
  const run = useMutation({ mutationFn: () => verify(inferenceId) });
  const verdict = run.data;
  return (
    <div>
      <p className="mb-3 text-sm text-stone-600">
        The engine is deterministic: re-running it on the stored inputs must give the same split and hash.
      </p>
      <Button onClick={() => run.mutate()} disabled={run.isPending} data-testid="verify-button">
        {run.isPending ? "Recomputing…" : verdict ? "Verify again" : "Verify"}
      </Button>
      {run.error ? (
        <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          Could not verify: {run.error.message}
        </p>
      ) : null}
      {verdict ? (
        <div
          data-testid="verify-result"
          data-valid={verdict.valid}
          className={`mt-3 rounded-md border px-3 py-2 text-sm ${verdict.valid ? "border-emerald-200 bg-emerald-50 text-emerald-950" : "border-red-200 bg-red-50 text-red-950"}`}
        >
          <p className="font-semibold">
            {verdict.valid ? "Match — the split is what the inputs give" : "Mismatch — the stored split does not follow from the inputs"}
          </p>
          {verdict.recomputedHash ? (
            <p className="mt-1">
              Recomputed hash <Hex value={verdict.recomputedHash} keep={6} />
              {verdict.recomputedHash === verdict.storedHash ? (
                " equals the stored hash."
              ) : (
                <>
                  {" "}
                  differs from the stored <Hex value={verdict.storedHash} keep={6} />.
                </>
              )}
            </p>
          ) : null}
          {verdict.problem ? <p className="mt-1">{verdict.problem}</p> : null}
          {verdict.differences.length > 0 ? <p className="mt-1">Differs in: {verdict.differences.join(", ")}</p> : null}
          <ul className="mt-2 space-y-0.5">
            {CHECKS.map((c) => (
              <li key={c.key}>
                <span aria-hidden className="mr-1 font-mono">
                  {verdict.checks[c.key] ? "✓" : "✗"}
                </span>
                <span className="sr-only">{verdict.checks[c.key] ? "passed: " : "failed: "}</span>
                {c.label}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
