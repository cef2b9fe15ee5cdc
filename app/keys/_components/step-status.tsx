import Link from "next/link";
import type { ReactNode } from "react";
import { describePaymentProblem } from "@/lib/web/permit";

/** Where one step of a payment flow stands, for people. */
export type StepState =
  | { status: "idle" }
  | { status: "working"; text: string }
  | { status: "done"; text: ReactNode }
  | { status: "failed"; code: string; message: string };

const tones = {
  working: "border-amber-200 bg-amber-50 text-amber-900",
  done: "border-emerald-200 bg-emerald-50 text-emerald-900",
  failed: "border-red-200 bg-red-50 text-red-900",
} as const;

/** A spinner with a step's text, a confirmation, or an error turned into what to do next. */
export function StepStatus({ state, testId }: { state: StepState; testId: string }) {
  if (state.status === "idle") return null;
  const problem = state.status === "failed" ? describePaymentProblem(state.code, state.message) : null;
  return (
    <div
      role="status"
      aria-live="polite"
      data-testid={testId}
      data-status={state.status}
      data-code={state.status === "failed" ? state.code : undefined}
      className={`mt-3 rounded-md border px-3 py-2 text-sm ${tones[state.status]}`}
    >
      {state.status === "working" ? (
        <p className="flex items-center gap-2">
          <span
            aria-hidden
            className="inline-block h-3.5 w-3.5 shrink-0 animate-spin rounded-full border-2 border-current border-r-transparent"
          />
          {state.text}
        </p>
      ) : null}
      {state.status === "done" ? (
        <p>
          <span aria-hidden>✓</span> {state.text}
        </p>
      ) : null}
      {problem ? (
        <div>
          <p data-testid={`${testId}-message`}>{problem.message}</p>
          <p className="mt-0.5 flex flex-wrap gap-x-3 text-xs">
            {problem.action ? (
              <Link href={problem.action.href} className="font-medium text-red-900 underline">
                {problem.action.label}
              </Link>
            ) : null}
            <span className="opacity-75">code {state.status === "failed" ? state.code : ""}</span>
          </p>
        </div>
      ) : null}
    </div>
  );
}
