"use client";
import { ConnectButton } from "@rainbow-me/rainbowkit";
import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRef, useState } from "react";
import { useAccount } from "wagmi";
import { PermitPanel } from "@/app/keys/_components/permit-panel";
import { type StepState, StepStatus } from "@/app/keys/_components/step-status";
import { Button } from "@/components/button";
import { Card } from "@/components/card";
import { Hex } from "@/components/hex";
import { readSseData } from "@/lib/inference/sse";
import type { ModelStatus } from "@/lib/models/status";
import { formatMoney } from "@/lib/web/format";
import { PaymentRequestError, type PermitSession, usePermits } from "@/lib/web/permit";
import { usePublicConfig } from "@/lib/web/public-config-context";
import { readErrorBody } from "@/lib/wire/errors";
import { playgroundStreamEventSchema } from "@/lib/wire/playground";

/** What the server says once an inference is paid and stored. */
type Receipt = {
  inferenceId: string;
  settlementId: string;
  price: bigint;
  attributionUrl: string;
  attributionHash: string;
  payeeCount: number;
};

/**
 * Sends the question and calls `onDelta` per piece of the answer; resolves with the receipt, or
 * `uncharged` when nothing in the model's datanets matched the question (nothing was charged).
 */
async function askModel(
  modelId: string,
  question: string,
  session: PermitSession,
  onDelta: (text: string) => void,
  signal: AbortSignal,
): Promise<Receipt | { uncharged: true }> {
  let response: Response;
  try {
    response = await fetch("/api/playground/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ modelId, question, permitId: session.permit.id, sessionKey: session.sessionKey }),
      signal,
    });
  } catch {
    throw new PaymentRequestError("NETWORK_ERROR", "The server could not be reached.");
  }
  if (!response.ok || !response.body) {
    const error = readErrorBody(await response.json().catch(() => null));
    throw new PaymentRequestError(
      error?.code ?? "HTTP_ERROR",
      error?.message ?? `The server answered ${response.status}.`,
      response.status,
    );
  }
  // The price is per call: once a piece of the answer arrived, the call is charged however it ends.
  let started = false;
  for await (const data of readSseData(response.body)) {
    const event = playgroundStreamEventSchema.parse(JSON.parse(data));
    if (event.type === "delta") {
      started ||= event.text.length > 0;
      onDelta(event.text);
    } else if (event.type === "error") {
      const charged = typeof event.inferenceId === "string" ? " The answer had started, so the call was charged." : "";
      throw new PaymentRequestError(event.code, event.message + charged);
    } else if (event.type === "uncharged") {
      return { uncharged: true };
    } else {
      return {
        inferenceId: event.inferenceId,
        settlementId: event.settlementId.toString(),
        price: event.price,
        attributionUrl: event.attributionUrl,
        attributionHash: event.attributionHash,
        payeeCount: event.payouts.length,
      };
    }
  }
  throw new PaymentRequestError(
    "STREAM_ENDED",
    started
      ? "The answer stopped before it was complete; it had started, so the call was charged."
      : "The answer stopped before it began; nothing was charged.",
  );
}

// Why an inactive model cannot be asked, in the words of someone about to pay.
const inactiveReasons: Record<Exclude<ModelStatus, "active">, string> = {
  paused:
    "Its owner has paused this model, so it takes no paid questions for now and nothing can be charged. Come back once they resume it.",
  retired:
    "This model is retired: its stake was withdrawn or slashed, and it takes no more paid questions. Its past answers stay in the explorer.",
};

/** Ask the model a question, paid from the connected wallet's spend permit; closed while the model is paused or retired. */
export function Playground({ modelId, price, status }: { modelId: string; price: bigint; status: ModelStatus }) {
  const { address, isConnected } = useAccount();
  const { contracts, token } = usePublicConfig();
  const money = (v: bigint) => formatMoney(v, token.symbol, token.decimals);

  let body: React.ReactNode;
  if (status !== "active") {
    body = (
      <p
        data-testid="playground-inactive"
        data-status={status}
        className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
      >
        {inactiveReasons[status]}
      </p>
    );
  } else if (!contracts)
    body = <p className="text-sm text-stone-600">No contracts are deployed on this chain, so nothing can be paid yet.</p>;
  else if (!isConnected || !address) {
    body = (
      <div data-testid="playground-disconnected" className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-stone-600">
          Connect a wallet to ask this model a question. Each answer costs {money(price)} from your market deposit.
        </p>
        <ConnectButton />
      </div>
    );
  } else body = <ConnectedPlayground payer={address} modelId={modelId} price={price} />;

  return (
    <Card title="Playground" className="mb-10">
      {body}
    </Card>
  );
}

function ConnectedPlayground({ payer, modelId, price }: { payer: `0x${string}`; modelId: string; price: bigint }) {
  const { token } = usePublicConfig();
  const queryClient = useQueryClient();
  const { session } = usePermits(payer);
  const [question, setQuestion] = useState("");
  const [answer, setAnswer] = useState("");
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [step, setStep] = useState<StepState>({ status: "idle" });
  const running = useRef<AbortController | null>(null);
  const money = (v: bigint) => formatMoney(v, token.symbol, token.decimals);
  const busy = step.status === "working";

  async function ask(event: React.FormEvent) {
    event.preventDefault();
    if (!session || busy || !question.trim()) return;
    const controller = new AbortController();
    running.current = controller;
    setAnswer("");
    setReceipt(null);
    setStep({ status: "working", text: "Paying and retrieving context…" });
    let streaming = false;
    try {
      const result = await askModel(
        modelId,
        question,
        session,
        (text) => {
          if (!streaming) {
            streaming = true;
            setStep({ status: "working", text: "Streaming the answer…" });
          }
          setAnswer((previous) => previous + text);
        },
        controller.signal,
      );
      if ("uncharged" in result) {
        setStep({ status: "done", text: "Nothing in this model's datanets matches the question, so nothing was charged." });
      } else {
        setReceipt(result);
        setStep({ status: "done", text: `Answered and paid ${money(result.price)}.` });
      }
    } catch (error) {
      if (controller.signal.aborted)
        setStep({
          status: "failed",
          code: "CANCELLED",
          message: streaming
            ? "You stopped the answer after it started; the price is per call, so it was charged."
            : "You stopped the answer before it began; nothing was charged.",
        });
      else if (error instanceof PaymentRequestError) setStep({ status: "failed", code: error.code, message: error.message });
      else setStep({ status: "failed", code: "INTERNAL_ERROR", message: (error as Error).message });
    } finally {
      running.current = null;
      await queryClient.invalidateQueries({ queryKey: ["permits"] });
    }
  }

  return (
    <div className="space-y-5">
      <section aria-label="Spend permit" className="rounded-md border border-stone-200 bg-stone-50 p-3 sm:p-4">
        <h3 className="mb-2 text-sm font-semibold text-stone-800">1 · Spend permit</h3>
        <PermitPanel payer={payer} />
      </section>
      <form onSubmit={ask} className="space-y-3" aria-label="Ask the model">
        <label className="block">
          <span className="mb-1 block text-sm font-semibold text-stone-800">2 · Your question</span>
          <textarea
            data-testid="playground-question"
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            onKeyDown={(e) => {
              // Enter asks (Shift+Enter starts a new line), as in chat apps.
              if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault();
                e.currentTarget.form?.requestSubmit();
              }
            }}
            aria-describedby="playground-enter-hint"
            rows={3}
            placeholder="Ask something the model's datanets can answer…"
            className="w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-base outline-none focus:border-brand-600 focus:ring-1 focus:ring-brand-600"
          />
        </label>
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" data-testid="playground-ask" disabled={!session || busy || !question.trim()} className="w-full sm:w-auto">
            Ask for {money(price)}
          </Button>
          {busy ? (
            <Button variant="secondary" onClick={() => running.current?.abort()} className="w-full sm:w-auto">
              Stop
            </Button>
          ) : null}
          {!session ? <span className="text-sm text-stone-500">Sign a spend permit first.</span> : null}
          <span id="playground-enter-hint" className="text-xs text-stone-500">
            Enter asks · Shift+Enter for a new line
          </span>
        </div>
      </form>
      <StepStatus state={step} testId="playground-status" />
      {answer || receipt ? (
        <section aria-label="Answer" className="space-y-3">
          <div
            data-testid="playground-answer"
            className="whitespace-pre-wrap rounded-md border border-stone-200 bg-white p-3 text-sm leading-relaxed text-stone-800 sm:p-4"
          >
            {answer}
          </div>
          {receipt ? <ReceiptLine receipt={receipt} money={money} /> : null}
        </section>
      ) : null}
    </div>
  );
}

function ReceiptLine({ receipt, money }: { receipt: Receipt; money: (v: bigint) => string }) {
  return (
    <dl
      data-testid="playground-receipt"
      className="grid grid-cols-1 gap-2 rounded-md border border-stone-200 bg-white p-3 text-sm sm:grid-cols-3 sm:p-4"
    >
      <div>
        <dt className="text-xs font-medium uppercase tracking-wide text-stone-500">Price charged</dt>
        <dd data-testid="playground-price" className="font-medium tabular-nums">
          {money(receipt.price)}
        </dd>
      </div>
      <div className="min-w-0">
        <dt className="text-xs font-medium uppercase tracking-wide text-stone-500">Inference</dt>
        <dd>
          <span data-testid="playground-inference-id" className="break-all font-mono text-xs">
            {receipt.inferenceId}
          </span>
          <span data-testid="playground-settlement-id" className="block text-xs text-stone-500">
            settlement #{receipt.settlementId}
          </span>
        </dd>
      </div>
      <div className="min-w-0">
        <dt className="text-xs font-medium uppercase tracking-wide text-stone-500">Attribution</dt>
        <dd>
          <Link data-testid="playground-attribution" data-attribution-hash={receipt.attributionHash} href={receipt.attributionUrl}>
            {receipt.payeeCount} payee{receipt.payeeCount === 1 ? "" : "s"} · proof <Hex value={receipt.attributionHash} />
          </Link>
        </dd>
      </div>
    </dl>
  );
}
