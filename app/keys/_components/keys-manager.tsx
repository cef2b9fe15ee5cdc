"use client";
import { ConnectButton } from "@rainbow-me/rainbowkit";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { Address } from "viem";
import { useAccount, useConfig } from "wagmi";
import { signMessage } from "wagmi/actions";
import { AmountInput, useAmountField } from "@/components/amount-input";
import { Button } from "@/components/button";
import { Card } from "@/components/card";
import { EmptyState } from "@/components/empty-state";
import type { ApiKey } from "@/lib/payments";
import { apiKeyCreationMessage, apiKeyRevocationMessage } from "@/lib/payments/messages";
import { describeTransactionError } from "@/lib/web/errors";
import { formatMoney, formatRelativeTime } from "@/lib/web/format";
import { fetchJson, PaymentRequestError, type PermitView, usePermits } from "@/lib/web/permit";
import { usePublicConfig } from "@/lib/web/public-config-context";
import { apiKeyListAnswerSchema, createdApiKeyAnswerSchema, revokedApiKeyAnswerSchema } from "@/lib/wire/payments";
import { ApiSnippets } from "./api-snippets";
import { PermitPanel } from "./permit-panel";
import { type StepState, StepStatus } from "./step-status";

function failureOf(error: unknown): StepState {
  const failure = error instanceof PaymentRequestError ? { code: error.code, message: error.message } : describeTransactionError(error);
  return { status: "failed", ...failure };
}

function useApiKeys(payer: Address) {
  return useQuery({
    queryKey: ["api-keys", payer],
    queryFn: async (): Promise<ApiKey[]> => (await fetchJson(`/api/keys?payer=${payer}`, apiKeyListAnswerSchema)).keys,
  });
}

/** The connected payer's spend permit and API keys. */
export function KeysManager() {
  const { address, isConnected } = useAccount();
  const { contracts } = usePublicConfig();
  if (!isConnected || !address) {
    return (
      <EmptyState title="Connect a wallet to manage your API keys" testId="keys-disconnected">
        <p>Keys spend from your market deposit under a spend permit you sign.</p>
        <div className="mt-4 flex justify-center">
          <ConnectButton />
        </div>
      </EmptyState>
    );
  }
  if (!contracts) return <EmptyState title="No contracts are deployed on this chain" />;
  return <PayerKeys payer={address} />;
}

function PayerKeys({ payer }: { payer: Address }) {
  const { active } = usePermits(payer);
  const [created, setCreated] = useState<{ key: string; label: string } | null>(null);
  return (
    <div className="space-y-6">
      <Card title="Spend permit">
        <PermitPanel payer={payer} />
      </Card>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card title="Create an API key" className="min-w-0">
          {created ? (
            <NewKey created={created} onDismiss={() => setCreated(null)} />
          ) : (
            <CreateKeyForm payer={payer} permit={active} onCreated={setCreated} />
          )}
        </Card>
        <Card title="Use it" className="min-w-0">
          <ApiSnippets apiKey={created?.key ?? null} />
        </Card>
      </div>
      <KeyList payer={payer} />
    </div>
  );
}

function CreateKeyForm({
  payer,
  permit,
  onCreated,
}: {
  payer: Address;
  permit: PermitView | null;
  onCreated(created: { key: string; label: string }): void;
}) {
  const config = useConfig();
  const queryClient = useQueryClient();
  const { token } = usePublicConfig();
  const [label, setLabel] = useState("");
  const field = useAmountField(permit?.remaining ?? 0n, "A key cannot spend more than is left of the permit.");
  const [step, setStep] = useState<StepState>({ status: "idle" });
  const { setText } = field;
  useEffect(() => setText("5"), [setText]);
  const busy = step.status === "working";

  if (!permit) {
    return (
      <p data-testid="keys-no-permit" className="text-sm text-stone-600">
        A key spends under a spend permit. Sign one above first.
      </p>
    );
  }

  async function create(event: React.FormEvent) {
    event.preventDefault();
    const spendCap = field.amount;
    const name = label.trim();
    if (!permit || spendCap === null || !name) return;
    try {
      setStep({ status: "working", text: "Sign the key request: waiting for your wallet…" });
      const message = apiKeyCreationMessage({ payer, permitId: permit.id, spendCap, label: name, issuedAt: new Date().toISOString() });
      const signature = await signMessage(config, { account: payer, message });
      setStep({ status: "working", text: "Creating the key…" });
      const result = await fetchJson("/api/keys", createdApiKeyAnswerSchema, {
        method: "POST",
        body: JSON.stringify({ payer, signature, message, permitId: permit.id, spendCap: spendCap.toString(), label: name }),
      });
      await queryClient.invalidateQueries({ queryKey: ["api-keys"] });
      // The form gives way to the new key, shown once.
      onCreated({ key: result.key, label: name });
    } catch (error) {
      setStep(failureOf(error));
    }
  }

  return (
    <form onSubmit={create} className="space-y-3">
      <label className="block text-sm">
        <span className="mb-1 block font-medium text-stone-700">Name</span>
        <input
          data-testid="key-label"
          value={label}
          maxLength={64}
          onChange={(e) => setLabel(e.target.value)}
          placeholder="e.g. research agent"
          className="w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-base outline-none focus:border-brand-600 focus:ring-1 focus:ring-brand-600"
        />
      </label>
      <AmountInput label="Spend cap for this key" field={field} testId="key-cap" />
      <p className="text-xs text-stone-500">
        Spends under your permit ({formatMoney(permit.remaining, token.symbol, token.decimals)} left, until{" "}
        {permit.expiry.toLocaleDateString("en")}). Creating it asks for one wallet signature, no transaction.
      </p>
      <Button type="submit" data-testid="key-create" disabled={busy || field.amount === null || !label.trim()} className="w-full sm:w-auto">
        Create key
      </Button>
      <StepStatus state={step} testId="key-create-status" />
    </form>
  );
}

function NewKey({ created, onDismiss }: { created: { key: string; label: string }; onDismiss(): void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section data-testid="key-created" role="status" className="rounded-md border border-emerald-300 bg-emerald-50 p-3">
      <p className="text-sm font-medium text-emerald-900">
        <span aria-hidden>✓</span> Key “{created.label}” created. Copy it now: it is never shown again.
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code data-testid="key-secret" className="w-full break-all rounded border border-emerald-200 bg-white px-3 py-2 font-mono text-sm">
          {created.key}
        </code>
        <Button
          variant="secondary"
          onClick={async () => {
            await navigator.clipboard?.writeText(created.key).catch(() => undefined);
            setCopied(true);
          }}
        >
          {copied ? "Copied" : "Copy"}
        </Button>
        <Button variant="secondary" onClick={onDismiss} data-testid="key-created-done">
          Create another
        </Button>
      </div>
    </section>
  );
}

function KeyList({ payer }: { payer: Address }) {
  const { token } = usePublicConfig();
  const { data: keys, isLoading, error } = useApiKeys(payer);
  const money = (v: bigint) => formatMoney(v, token.symbol, token.decimals);
  return (
    <Card title="Your keys">
      {isLoading ? <p className="text-sm text-stone-500">Loading your keys…</p> : null}
      {error ? (
        <p role="alert" className="text-sm text-red-800">
          Could not read your keys: {error.message}
        </p>
      ) : null}
      {keys && keys.length === 0 ? (
        <EmptyState title="No API keys yet" testId="keys-empty">
          Create one above; programs then call the API with it and no wallet pop-ups.
        </EmptyState>
      ) : null}
      {keys && keys.length > 0 ? (
        <ul data-testid="keys-list" className="divide-y divide-stone-100">
          {keys.map((key) => (
            <KeyRow key={key.id} payer={payer} apiKey={key} money={money} />
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

function KeyRow({ payer, apiKey, money }: { payer: Address; apiKey: ApiKey; money: (v: bigint) => string }) {
  const config = useConfig();
  const queryClient = useQueryClient();
  const [step, setStep] = useState<StepState>({ status: "idle" });

  async function revoke() {
    try {
      setStep({ status: "working", text: "Sign the revocation: waiting for your wallet…" });
      const signature = await signMessage(config, { account: payer, message: apiKeyRevocationMessage({ payer, keyId: apiKey.id }) });
      setStep({ status: "working", text: "Revoking…" });
      await fetchJson(`/api/keys/${apiKey.id}`, revokedApiKeyAnswerSchema, {
        method: "DELETE",
        body: JSON.stringify({ payer, signature }),
      });
      setStep({ status: "idle" });
      await queryClient.invalidateQueries({ queryKey: ["api-keys"] });
    } catch (error) {
      setStep(failureOf(error));
    }
  }

  return (
    <li data-testid="key-row" data-prefix={apiKey.prefix} data-revoked={apiKey.revokedAt ? "true" : "false"} className="py-3">
      <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
        <div className="min-w-0">
          <p className="font-medium text-stone-900">
            {apiKey.label}{" "}
            {apiKey.revokedAt ? (
              <span className="ml-1 rounded bg-stone-200 px-1.5 py-0.5 text-xs font-medium text-stone-700">revoked</span>
            ) : null}
          </p>
          <p className="text-xs text-stone-500">
            <code className="font-mono">{apiKey.prefix}_…</code> · created {formatRelativeTime(apiKey.createdAt)} ·{" "}
            {apiKey.lastUsedAt ? `last used ${formatRelativeTime(apiKey.lastUsedAt)}` : "never used"}
          </p>
        </div>
        <p className="text-sm tabular-nums text-stone-700">
          {money(apiKey.spent)} <span className="text-stone-500">of {money(apiKey.spendCap)}</span>
        </p>
        {apiKey.revokedAt ? null : (
          <Button
            variant="secondary"
            data-testid="key-revoke"
            disabled={step.status === "working"}
            onClick={revoke}
            className="!px-3 !py-1.5 text-xs"
          >
            Revoke
          </Button>
        )}
      </div>
      <StepStatus state={step} testId="key-revoke-status" />
    </li>
  );
}
