"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import Link from "next/link";
import { useMemo, useState } from "react";
import { useForm } from "react-hook-form";
import { useAccount, useConfig, useReadContract, useReadContracts } from "wagmi";
import { readContract, simulateContract, writeContract } from "wagmi/actions";
import { z } from "zod";
import { Button } from "@/components/button";
import { Card } from "@/components/card";
import { ChainGuard } from "@/components/chain-guard";
import { describedBy, FormField, inputClass } from "@/components/form-field";
import { Markdown } from "@/components/markdown";
import { MarkdownField } from "@/components/markdown-field";
import { PublishReviewActions } from "@/components/publish-review";
import { TransactionStatus } from "@/components/transaction-status";
import { testUsdAbi, upstreamMarketAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { ApiRefusal, postJson } from "@/lib/web/api";
import { formatMoney } from "@/lib/web/format";
import { type Parsed, parsePrice, parseSharePercent, splitOfPrice } from "@/lib/web/model-terms";
import { usePublicConfig } from "@/lib/web/public-config-context";
import { useTransactionRunner } from "@/lib/web/transaction";
import {
  backendIdOf,
  MAX_MODEL_DATANETS,
  MAX_OWNER_BPS,
  type ModelBackend,
  modelBackendSchema,
  modelDraftAnswerSchema,
  modelMetadataSchema,
  publishedModelSchema,
} from "@/lib/wire/models";

/** A datanet the picker may offer (closed ones are filtered out after reading the chain). */
export type DatanetChoice = { id: string; name: string; recordCount: number; license: string };

const parsedField = <T,>(parse: (text: string) => Parsed<T>) =>
  z.string().transform((text, ctx) => {
    const parsed = parse(text);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: "custom", message: parsed.message });
    return z.NEVER;
  });

const formSchema = z
  .object({
    name: modelMetadataSchema.shape.name,
    description: modelMetadataSchema.shape.description,
    modelCard: modelMetadataSchema.shape.modelCard,
    datanetIds: z
      .array(z.string())
      .min(1, "choose at least one datanet")
      .max(MAX_MODEL_DATANETS, `a model draws on at most ${MAX_MODEL_DATANETS} datanets`),
    backendKind: z.enum(["builtin", "openai"]),
    baseUrl: z.string(),
    model: z.string(),
    keyName: z.string(),
    answersWithoutRecords: z.boolean(),
    contextAblation: z.boolean(),
    price: parsedField(parsePrice),
    ownerShare: parsedField(parseSharePercent),
  })
  .superRefine((v, ctx) => {
    if (v.backendKind !== "openai") return;
    const parsed = modelBackendSchema.safeParse(openaiBackend(v));
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: "custom", path: [String(issue.path[0] ?? "baseUrl")], message: issue.message });
    }
  });

type FormInput = z.input<typeof formSchema>;
type FormOutput = z.output<typeof formSchema>;
type Draft = z.output<typeof modelDraftAnswerSchema>;
type FieldName = keyof FormInput;

function openaiBackend(v: { baseUrl: string; model: string; keyName: string; answersWithoutRecords: boolean; contextAblation: boolean }) {
  return {
    kind: "openai" as const,
    baseUrl: v.baseUrl.trim(),
    model: v.model.trim(),
    ...(v.keyName.trim() ? { keyName: v.keyName.trim() } : {}),
    ...(v.answersWithoutRecords ? { answersWithoutRecords: true } : {}),
    ...(v.contextAblation ? { contextAblation: true } : {}),
  };
}

function backendOf(v: FormOutput): ModelBackend {
  return v.backendKind === "builtin" ? { kind: "builtin" } : openaiBackend(v);
}

const FIELDS: readonly FieldName[] = [
  "name",
  "description",
  "modelCard",
  "datanetIds",
  "baseUrl",
  "model",
  "keyName",
  "price",
  "ownerShare",
];

/** The model publish form: edit → review → wallet (approve, publishModel) → stored. */
export function PublishModelForm({ datanets }: { datanets: DatanetChoice[] }) {
  const config = useConfig();
  const { contracts, chainId } = usePublicConfig();
  const account = useAccount();
  const runner = useTransactionRunner(chainId);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [published, setPublished] = useState<{ id: bigint; name: string } | null>(null);
  const [search, setSearch] = useState("");

  const form = useForm<FormInput, unknown, FormOutput>({
    resolver: zodResolver(formSchema),
    defaultValues: {
      name: "",
      description: "",
      modelCard: "",
      datanetIds: [],
      backendKind: "builtin",
      baseUrl: "",
      model: "",
      keyName: "",
      answersWithoutRecords: false,
      contextAblation: false,
      price: "",
      ownerShare: "",
    },
    mode: "onTouched",
  });
  const { register, handleSubmit, formState, watch, setValue, setError } = form;
  const errors = formState.errors;
  const modelCard = watch("modelCard") ?? "";
  const backendKind = watch("backendKind");
  const selected = watch("datanetIds") ?? [];
  const priceText = watch("price") ?? "";
  const shareText = watch("ownerShare") ?? "";

  const minStake = useReadContract({
    chainId,
    address: contracts?.registry,
    abi: upstreamRegistryAbi,
    functionName: "minModelStake",
    query: { enabled: Boolean(contracts) },
  });
  const feeBps = useReadContract({
    chainId,
    address: contracts?.market,
    abi: upstreamMarketAbi,
    functionName: "feeBps",
    query: { enabled: Boolean(contracts) },
  });
  const balance = useReadContract({
    chainId,
    address: contracts?.token,
    abi: testUsdAbi,
    functionName: "balanceOf",
    args: account.address ? [account.address] : undefined,
    query: { enabled: Boolean(contracts && account.address) },
  });
  // Which datanets are still open: the registry refuses a model over a closed one.
  const onChain = useReadContracts({
    allowFailure: false,
    contracts: datanets.map((d) => ({
      chainId,
      address: contracts?.registry ?? "0x0000000000000000000000000000000000000000",
      abi: upstreamRegistryAbi,
      functionName: "getDatanet" as const,
      args: [BigInt(d.id)] as const,
    })),
    query: { enabled: Boolean(contracts) && datanets.length > 0 },
  });
  const open = useMemo(
    () => (onChain.data ? datanets.filter((_, i) => (onChain.data?.[i] as { active: boolean } | undefined)?.active) : []),
    [datanets, onChain.data],
  );
  const closedCount = onChain.data ? datanets.length - open.length : 0;
  const shown = open.filter((d) => `${d.name} #${d.id}`.toLowerCase().includes(search.trim().toLowerCase()));
  const short = minStake.data !== undefined && balance.data !== undefined && balance.data < minStake.data;

  const price = parsePrice(priceText);
  const share = parseSharePercent(shareText);
  const split = price.ok && share.ok && feeBps.data !== undefined ? splitOfPrice(price.value, share.value, Number(feeBps.data)) : null;

  const toggle = (id: string) => {
    const next = selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id];
    setValue("datanetIds", next, { shouldValidate: formState.isSubmitted, shouldDirty: true });
  };

  const review = handleSubmit(async (v) => {
    setRefusal(null);
    const metadata = { name: v.name, description: v.description, modelCard: v.modelCard, backend: backendOf(v) };
    const terms = { price: v.price, ownerShareBps: v.ownerShare, datanetIds: v.datanetIds, stake: minStake.data ?? 0n };
    try {
      setDraft(await postJson("/api/models", { metadata, terms }, modelDraftAnswerSchema));
    } catch (error) {
      if (error instanceof ApiRefusal) {
        const path = error.field?.split(".") ?? [];
        const raw = path[0] === "metadata" ? (path[1] === "backend" ? path[2] : path[1]) : path[0] === "terms" ? path[1] : path[0];
        const field = (raw === "price" ? "price" : raw === "ownerShareBps" ? "ownerShare" : raw) as FieldName | undefined;
        if (field && FIELDS.includes(field)) setError(field, { message: error.message.replace(/^[\w.]+: /, "") }, { shouldFocus: true });
        else setRefusal(error.message);
      } else setRefusal(String(error));
    }
  });

  const publish = async (d: Draft) => {
    setRefusal(null);
    let hash: `0x${string}` | undefined;
    const sent = await runner.run(async ({ account: from, send }) => {
      if (!contracts) throw new Error("No contracts are deployed on this chain.");
      if (d.call.address !== contracts.registry) throw new Error("The server drafted a call to another contract; reload the page.");
      // Read the minimum again: the stake sent is the registry's current one, never a stale figure.
      const stake = await readContract(config, {
        chainId,
        address: contracts.registry,
        abi: upstreamRegistryAbi,
        functionName: "minModelStake",
      });
      const allowance = await readContract(config, {
        chainId,
        address: contracts.token,
        abi: testUsdAbi,
        functionName: "allowance",
        args: [from, contracts.registry],
      });
      if (stake > 0n && allowance < stake) {
        await send("Approving the stake", () =>
          writeContract(config, {
            chainId,
            address: contracts.token,
            abi: testUsdAbi,
            functionName: "approve",
            args: [contracts.registry, stake],
          }),
        );
      }
      const receipt = await send("Publishing the model", async () => {
        const { request } = await simulateContract(config, {
          account: from,
          chainId,
          address: contracts.registry,
          abi: upstreamRegistryAbi,
          functionName: "publishModel",
          args: [d.metadataUri, backendIdOf(d.metadata.backend), d.terms.datanetIds, d.terms.price, d.terms.ownerShareBps, stake],
        });
        return writeContract(config, request);
      });
      hash = receipt.transactionHash;
    });
    if (!sent || !hash) return;
    try {
      // Stored only now, from the receipt the server reads itself.
      const stored = await postJson("/api/models/confirm", { txHash: hash, metadata: d.metadata }, publishedModelSchema);
      setPublished({ id: stored.id, name: d.metadata.name });
    } catch (error) {
      setRefusal(`The model is on chain (transaction ${hash}) but the server did not store it: ${(error as Error).message}`);
    }
  };

  if (published) {
    return (
      <Card>
        <div data-testid="publish-done" data-id={published.id.toString()}>
          <p className="text-stone-800">
            <span aria-hidden>✓</span> <strong>{published.name}</strong> is published as model #{published.id.toString()}.
          </p>
          <TransactionStatus life={runner.life} testId="publish-status" />
          <p className="mt-4 flex flex-wrap gap-4">
            <Link href={`/models/${published.id}`} data-testid="publish-open">
              Open the model
            </Link>
          </p>
        </div>
      </Card>
    );
  }

  const stakeLine =
    minStake.data !== undefined ? (
      <span data-testid="min-stake">{formatMoney(minStake.data)}</span>
    ) : minStake.error ? (
      "unreadable (is the chain up?)"
    ) : (
      "reading the registry…"
    );

  if (draft) {
    const { metadata, terms } = draft;
    const names = new Map(datanets.map((d) => [d.id, d.name]));
    const drafted = feeBps.data !== undefined ? splitOfPrice(terms.price, terms.ownerShareBps, Number(feeBps.data)) : null;
    return (
      <Card title="Review before your wallet opens">
        <ChainGuard />
        <dl data-testid="publish-preview" className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[10rem_1fr]">
          <dt className="font-medium text-stone-600">Name</dt>
          <dd data-testid="preview-name">{metadata.name}</dd>
          <dt className="font-medium text-stone-600">Datanets</dt>
          <dd data-testid="preview-datanets">
            {terms.datanetIds.map((id) => `${names.get(id.toString()) ?? "datanet"} (#${id})`).join(", ")}
          </dd>
          <dt className="font-medium text-stone-600">Backend</dt>
          <dd data-testid="preview-backend">
            {metadata.backend.kind === "builtin"
              ? "Built-in engine"
              : `OpenAI-compatible: ${metadata.backend.model} at ${metadata.backend.baseUrl}${metadata.backend.keyName ? ` (key BACKEND_KEY_${metadata.backend.keyName})` : ""}`}
          </dd>
          <dt className="font-medium text-stone-600">Price per call</dt>
          <dd data-testid="preview-price">{formatMoney(terms.price)}</dd>
          <dt className="font-medium text-stone-600">Split of one call</dt>
          <dd>
            {drafted
              ? `protocol fee ${formatMoney(drafted.fee)} · owner ${formatMoney(drafted.owner)} (${terms.ownerShareBps / 100}%) · data pool ${formatMoney(drafted.pool)}`
              : `owner ${terms.ownerShareBps / 100}%`}
          </dd>
          <dt className="font-medium text-stone-600">Stake</dt>
          <dd>{formatMoney(draft.minStake)}, held by the registry while the model is published</dd>
          <dt className="font-medium text-stone-600">Metadata URI</dt>
          <dd className="break-all font-mono text-xs">{draft.metadataUri}</dd>
          <dt className="font-medium text-stone-600">Model card</dt>
          <dd className="min-w-0">
            {metadata.modelCard ? (
              <Markdown text={metadata.modelCard} className="rounded-md border border-stone-200 p-3 text-sm leading-relaxed" />
            ) : (
              <span className="text-stone-500">no card</span>
            )}
          </dd>
        </dl>
        <PublishReviewActions
          runner={runner}
          connected={account.isConnected}
          shortOf={short ? { balance: balance.data ?? 0n, stake: minStake.data ?? 0n } : null}
          onPublish={() => publish(draft)}
          onBack={() => setDraft(null)}
          refusal={refusal}
        />
      </Card>
    );
  }

  return (
    <form onSubmit={review} noValidate data-testid="publish-model-form">
      <Card>
        <FormField id="name" label="Name" error={errors.name?.message}>
          <input
            id="name"
            autoComplete="off"
            className={inputClass(Boolean(errors.name))}
            aria-invalid={Boolean(errors.name)}
            aria-describedby={describedBy("name", false, errors.name)}
            {...register("name")}
          />
        </FormField>

        <FormField id="description" label="Description" hint="One paragraph for listings." error={errors.description?.message}>
          <textarea
            id="description"
            rows={3}
            className={inputClass(Boolean(errors.description))}
            aria-invalid={Boolean(errors.description)}
            aria-describedby={describedBy("description", true, errors.description)}
            {...register("description")}
          />
        </FormField>

        <MarkdownField
          id="modelCard"
          label="Model card"
          value={modelCard}
          registration={register("modelCard")}
          placeholder={"What the model answers, what it draws on, its limits.\n\n## Intended use\n..."}
          maxChars={20000}
          error={errors.modelCard?.message}
        />

        <fieldset className="mb-5" aria-describedby={describedBy("datanetIds", true, errors.datanetIds)}>
          <legend className="mb-1 text-sm font-medium text-stone-800">Datanets it draws on</legend>
          <label htmlFor="datanet-search" className="sr-only">
            Search datanets
          </label>
          <input
            id="datanet-search"
            type="search"
            placeholder="Search datanets by name or #id"
            autoComplete="off"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            className={inputClass(false)}
            data-testid="datanet-search"
          />
          <ul data-testid="datanet-options" className="mt-2 max-h-56 overflow-auto rounded-md border border-stone-200 p-1 text-sm">
            {!onChain.data ? (
              <li className="p-2 text-stone-600">
                {onChain.error ? "Could not read the datanets from the chain." : "Checking which datanets are open…"}
              </li>
            ) : shown.length === 0 ? (
              <li className="p-2 text-stone-600">
                {open.length === 0 ? "No open datanet yet: publish one first." : "No datanet matches."}
              </li>
            ) : (
              shown.map((d) => (
                <li key={d.id}>
                  <label className="flex cursor-pointer items-center gap-2 rounded px-2 py-1.5 hover:bg-stone-100">
                    <input
                      type="checkbox"
                      data-testid="datanet-option"
                      data-id={d.id}
                      checked={selected.includes(d.id)}
                      onChange={() => toggle(d.id)}
                    />
                    <span>
                      {d.name}{" "}
                      <span className="text-stone-600">
                        #{d.id} · {d.recordCount.toLocaleString("en-US")} records · {d.license}
                      </span>
                    </span>
                  </label>
                </li>
              ))
            )}
          </ul>
          <p id="datanetIds-hint" className="mt-1 text-xs text-stone-600">
            {selected.length} chosen, up to {MAX_MODEL_DATANETS}.
            {closedCount > 0
              ? ` ${closedCount} closed datanet${closedCount === 1 ? " is" : "s are"} not offered: a closed datanet takes no new model.`
              : ""}
          </p>
          {errors.datanetIds ? (
            <p id="datanetIds-error" role="alert" data-testid="datanetIds-error" className="mt-1 text-sm text-red-700">
              {errors.datanetIds.message}
            </p>
          ) : null}
        </fieldset>

        <fieldset className="mb-5">
          <legend className="mb-1 text-sm font-medium text-stone-800">Backend</legend>
          <div className="flex flex-wrap gap-4 text-sm">
            <label className="flex items-center gap-2">
              <input type="radio" value="builtin" data-testid="backend-builtin" {...register("backendKind")} />
              Built-in engine (answers from the datanets' records)
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" value="openai" data-testid="backend-openai" {...register("backendKind")} />
              OpenAI-compatible endpoint
            </label>
          </div>
        </fieldset>

        {backendKind === "openai" ? (
          <div className="mb-5 rounded-md border border-stone-200 p-3">
            <FormField
              id="baseUrl"
              label="Base URL"
              hint="e.g. http://127.0.0.1:11434/v1 (Ollama) or a hosted API."
              error={errors.baseUrl?.message}
            >
              <input
                id="baseUrl"
                type="url"
                inputMode="url"
                className={inputClass(Boolean(errors.baseUrl))}
                aria-invalid={Boolean(errors.baseUrl)}
                aria-describedby={describedBy("baseUrl", true, errors.baseUrl)}
                {...register("baseUrl")}
              />
            </FormField>
            <FormField id="model" label="Model name" hint="The model's name at the endpoint, e.g. llama3.2." error={errors.model?.message}>
              <input
                id="model"
                autoComplete="off"
                className={inputClass(Boolean(errors.model))}
                aria-invalid={Boolean(errors.model)}
                aria-describedby={describedBy("model", true, errors.model)}
                {...register("model")}
              />
            </FormField>
            <FormField
              id="keyName"
              label="Key name (optional)"
              hint="The <NAME> of the server's BACKEND_KEY_<NAME> variable that holds the API key. Never the key itself."
              error={errors.keyName?.message}
            >
              <input
                id="keyName"
                autoComplete="off"
                className={inputClass(Boolean(errors.keyName))}
                aria-invalid={Boolean(errors.keyName)}
                aria-describedby={describedBy("keyName", true, errors.keyName)}
                {...register("keyName")}
              />
            </FormField>
            <label className="mb-3 flex items-start gap-2 text-sm">
              <input type="checkbox" className="mt-1" {...register("answersWithoutRecords")} />
              <span>
                Answer without records. Every question is sent to the endpoint and charged, even when nothing in the datanets matches it;
                the cost: payers pay for answers no record supports. Off, such a question is answered free that nothing matches.
              </span>
            </label>
            <label className="flex items-start gap-2 text-sm">
              <input type="checkbox" className="mt-1" {...register("contextAblation")} />
              <span>
                Context ablation. After each answer the endpoint is asked again with each retrieved record left out, to measure how much
                each record changed the answer; the cost: extra endpoint calls per answer (the server's CONTEXT_ABLATION_CALLS), paid by you
                as the owner.
              </span>
            </label>
          </div>
        ) : null}

        <div className="grid gap-x-4 sm:grid-cols-2">
          <FormField id="price" label="Price per call (tUSD)" hint="Up to 6 decimals, with a dot: 0.002." error={errors.price?.message}>
            <input
              id="price"
              inputMode="decimal"
              autoComplete="off"
              className={inputClass(Boolean(errors.price))}
              aria-invalid={Boolean(errors.price)}
              aria-describedby={describedBy("price", true, errors.price)}
              {...register("price")}
            />
          </FormField>
          <FormField
            id="ownerShare"
            label="Owner share (%)"
            hint={`Your part of each price, at most ${MAX_OWNER_BPS / 100}%; the rest after the protocol fee goes to the data pool.`}
            error={errors.ownerShare?.message}
          >
            <input
              id="ownerShare"
              inputMode="decimal"
              autoComplete="off"
              className={inputClass(Boolean(errors.ownerShare))}
              aria-invalid={Boolean(errors.ownerShare)}
              aria-describedby={describedBy("ownerShare", true, errors.ownerShare)}
              {...register("ownerShare")}
            />
          </FormField>
        </div>

        <section aria-label="How one call's price splits" data-testid="split-preview" className="mb-5 rounded-md bg-stone-50 p-3 text-sm">
          <h3 className="mb-2 font-medium text-stone-800">How one call's price splits</h3>
          {split && price.ok ? (
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
              <dt className="text-stone-600">Protocol fee ({Number(feeBps.data) / 100}%)</dt>
              <dd data-testid="split-fee" data-units={split.fee.toString()}>
                {formatMoney(split.fee)}
              </dd>
              <dt className="text-stone-600">Owner (you)</dt>
              <dd data-testid="split-owner" data-units={split.owner.toString()}>
                {formatMoney(split.owner)}
              </dd>
              <dt className="text-stone-600">Data pool (the records' contributors)</dt>
              <dd data-testid="split-pool" data-units={split.pool.toString()}>
                {formatMoney(split.pool)}
              </dd>
              <dt className="font-medium text-stone-700">Price</dt>
              <dd className="font-medium">{formatMoney(price.value)}</dd>
            </dl>
          ) : (
            <p className="text-stone-600">
              {feeBps.data === undefined ? "Reading the market's fee…" : "Enter a price and a share to see the split."}
            </p>
          )}
        </section>

        <p className="mb-4 text-sm text-stone-700">
          Stake: the registry's minimum, {stakeLine}, read from the chain.
          {short ? (
            <span className="text-red-700">
              {" "}
              Your wallet holds {formatMoney(balance.data ?? 0n)}: get test tokens on the{" "}
              <Link href="/dashboard" className="underline">
                Dashboard
              </Link>
              .
            </span>
          ) : null}
        </p>
        <Button type="submit" data-testid="publish-review" disabled={formState.isSubmitting} className="w-full sm:w-auto">
          Review
        </Button>
        {refusal ? (
          <p role="alert" data-testid="publish-error" className="mt-3 text-sm text-red-700">
            {refusal}
          </p>
        ) : null}
      </Card>
    </form>
  );
}
