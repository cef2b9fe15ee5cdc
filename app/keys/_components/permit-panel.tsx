"use client";
import { useEffect, useState } from "react";
import type { Address } from "viem";
import { AmountInput, useAmountField } from "@/components/amount-input";
import { Button } from "@/components/button";
import { formatMoney } from "@/lib/web/format";
import { type PermitSigning, type PermitView, usePermits, useSignPermit } from "@/lib/web/permit";
import { usePublicConfig } from "@/lib/web/public-config-context";
import { type StepState, StepStatus } from "./step-status";

// Generous ceiling for one permit: the deposit still bounds what can actually be charged.
const MAX_CAP = 1_000_000_000_000n;

const DEFAULT_CAP_TEXT = "10";

const lifetimes = [
  { label: "1 day", seconds: 86_400n },
  { label: "7 days", seconds: 7n * 86_400n },
  { label: "30 days", seconds: 30n * 86_400n },
] as const;

function formatExpiry(expiry: Date): string {
  return expiry.toLocaleString("en", { dateStyle: "medium", timeStyle: "short" });
}

function signingStep(state: PermitSigning, money: (v: bigint) => string): StepState {
  switch (state.status) {
    case "idle":
      return state;
    case "wallet":
      return { status: "working", text: "Sign the spend permit: waiting for your wallet…" };
    case "registering":
      return { status: "working", text: "Registering the permit with the market…" };
    case "done":
      return {
        status: "done",
        text: `Permit signed: up to ${money(state.permit.cap)} until ${formatExpiry(state.permit.expiry)}. No more pop-ups until then.`,
      };
    case "failed":
      return state;
  }
}

/** Cap, spent, left and expiry of one permit. */
export function PermitFigures({ permit }: { permit: PermitView }) {
  const { token } = usePublicConfig();
  const money = (v: bigint) => formatMoney(v, token.symbol, token.decimals);
  const figures = [
    { label: "Cap", value: money(permit.cap), testId: "permit-cap" },
    { label: "Spent", value: money(permit.spent + permit.held), testId: "permit-spent" },
    { label: "Left", value: money(permit.remaining), testId: "permit-remaining" },
    { label: "Expires", value: formatExpiry(permit.expiry), testId: "permit-expiry" },
  ];
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-4">
      {figures.map((f) => (
        <div key={f.label} className="min-w-0">
          <dt className="text-xs font-medium uppercase tracking-wide text-stone-500">{f.label}</dt>
          <dd data-testid={f.testId} className="break-words font-medium tabular-nums text-stone-900">
            {f.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A form that signs a new spend permit (one wallet signature) and registers it. */
export function SignPermitForm({ signer, onSigned }: { signer: ReturnType<typeof useSignPermit>; onSigned?: () => void }) {
  const field = useAmountField(MAX_CAP, "That cap is larger than this app allows for one permit.");
  const [lifetime, setLifetime] = useState<bigint>(lifetimes[1].seconds);
  const { busy, sign, reset } = signer;
  const { setText } = field;
  // A small default cap: enough for many questions, little at risk.
  useEffect(() => setText(DEFAULT_CAP_TEXT), [setText]);
  const cap = field.amount;
  return (
    <form
      className="space-y-3"
      onSubmit={async (event) => {
        event.preventDefault();
        if (cap !== null && (await sign({ cap, lifetimeSeconds: lifetime }))) onSigned?.();
      }}
    >
      <div className="grid gap-3 sm:grid-cols-[1fr_auto]">
        <AmountInput label="Spend cap" field={field} onEdit={() => !busy && reset()} testId="permit-cap-input" />
        <label className="block text-sm">
          <span className="mb-1 block font-medium text-stone-700">Valid for</span>
          <select
            value={lifetime.toString()}
            onChange={(e) => setLifetime(BigInt(e.target.value))}
            className="w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-base"
            data-testid="permit-lifetime"
          >
            {lifetimes.map((l) => (
              <option key={l.label} value={l.seconds.toString()}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="text-xs text-stone-500">
        One signature, no transaction: the market may charge your deposit up to the cap, per inference, until the permit expires.
      </p>
      <Button type="submit" disabled={busy || cap === null} data-testid="permit-sign" className="w-full sm:w-auto">
        Sign spend permit
      </Button>
    </form>
  );
}

/** The payer's spend permit in this browser: its figures, or a form to sign one. */
export function PermitPanel({ payer }: { payer: Address }) {
  const { token } = usePublicConfig();
  const { permits, debt, session, active, isLoading, error } = usePermits(payer);
  const latest = permits[0];
  const signer = useSignPermit();
  const [signing, setSigning] = useState(false);
  const money = (v: bigint) => formatMoney(v, token.symbol, token.decimals);
  if (isLoading) return <p className="text-sm text-stone-500">Reading your spend permits…</p>;
  return (
    <div data-testid="permit-panel" className="space-y-3">
      {error ? (
        <p role="alert" className="text-sm text-red-800">
          Could not read your permits: {error.message}
        </p>
      ) : null}
      {debt > 0n ? (
        <p role="alert" data-testid="permit-debt" className="text-sm text-red-800">
          You owe {money(debt)} for answers the market could not charge (your signature stopped being valid, a permit lapsed or the deposit
          was withdrawn). Inferences are refused until your free deposit covers it and the price.
        </p>
      ) : null}
      {session ? (
        <div data-testid="permit-active">
          <PermitFigures permit={session.permit} />
        </div>
      ) : (
        <p data-testid="permit-none" className="text-sm text-stone-600">
          {active
            ? "Your active permit was signed in another browser, so this one cannot spend it without a new signature."
            : latest?.expired
              ? "Your spend permit has expired. Sign a new spend permit to keep paying without pop-ups."
              : latest && latest.remaining === 0n
                ? "Your spend permit's cap is used up. Sign a new spend permit."
                : "No active spend permit. Sign one to pay for inferences without a wallet pop-up each time."}
        </p>
      )}
      {session && !signing ? (
        <Button variant="secondary" onClick={() => setSigning(true)} data-testid="permit-new" className="!px-3 !py-1.5 text-xs">
          Sign a new permit
        </Button>
      ) : (
        <SignPermitForm signer={signer} onSigned={() => setSigning(false)} />
      )}
      <StepStatus state={signingStep(signer.state, money)} testId="permit-status" />
    </div>
  );
}
