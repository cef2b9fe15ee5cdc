"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import Link from "next/link";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useAccount, useConfig, useReadContract } from "wagmi";
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
import { testUsdAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { ApiRefusal, postJson } from "@/lib/web/api";
import { formatMoney } from "@/lib/web/format";
import { usePublicConfig } from "@/lib/web/public-config-context";
import { useTransactionRunner } from "@/lib/web/transaction";
import {
  DATANET_LICENSES,
  datanetDraftAnswerSchema,
  datanetMetadataFields,
  licenseUrlSchema,
  OTHER_LICENSE,
  publishedDatanetSchema,
  requireLicenseUrl,
  TAG_LIMITS,
  tagsSchema,
} from "@/lib/wire/datanets";

/** Tags as typed: separated by commas or spaces. */
function splitTags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

// The form's fields are the wire schema's, read from the strings the inputs hold.
const formSchema = z
  .object({
    name: datanetMetadataFields.name,
    description: datanetMetadataFields.description,
    license: datanetMetadataFields.license,
    licenseUrl: z
      .string()
      .transform((v) => v.trim() || undefined)
      .pipe(licenseUrlSchema.optional()),
    tags: z.string().transform((text, ctx) => {
      const parsed = tagsSchema.safeParse(splitTags(text));
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: "custom", message: parsed.error.issues[0]?.message ?? "invalid tags" });
      return z.NEVER;
    }),
  })
  .superRefine(requireLicenseUrl);

type FormInput = z.input<typeof formSchema>;
type FormOutput = z.output<typeof formSchema>;
type Draft = z.output<typeof datanetDraftAnswerSchema>;
type FieldName = keyof FormInput;

const FIELDS: readonly FieldName[] = ["name", "description", "license", "licenseUrl", "tags"];

/** The publish form: edit → review what will be published → wallet (approve, publish) → stored. */
export function PublishDatanetForm() {
  const config = useConfig();
  const { contracts, chainId } = usePublicConfig();
  const account = useAccount();
  const runner = useTransactionRunner(chainId);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [published, setPublished] = useState<{ id: bigint; name: string } | null>(null);

  const form = useForm<FormInput, unknown, FormOutput>({
    resolver: zodResolver(formSchema),
    defaultValues: { name: "", description: "", license: "CC0-1.0", licenseUrl: "", tags: "" },
    mode: "onTouched",
  });
  const { register, handleSubmit, formState, watch, setError } = form;
  const errors = formState.errors;
  const license = watch("license");
  const description = watch("description") ?? "";

  const minStake = useReadContract({
    chainId,
    address: contracts?.registry,
    abi: upstreamRegistryAbi,
    functionName: "minDatanetStake",
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
  const short = minStake.data !== undefined && balance.data !== undefined && balance.data < minStake.data;

  const review = handleSubmit(async (metadata) => {
    setRefusal(null);
    try {
      setDraft(await postJson("/api/datanets", metadata, datanetDraftAnswerSchema));
    } catch (error) {
      if (error instanceof ApiRefusal) {
        const field = error.field?.split(".")[0] as FieldName | undefined;
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
        functionName: "minDatanetStake",
      });
      const allowance = await readContract(config, {
        chainId,
        address: contracts.token,
        abi: testUsdAbi,
        functionName: "allowance",
        args: [from, contracts.registry],
      });
      if (allowance < stake) {
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
      const receipt = await send("Publishing the datanet", async () => {
        const { request } = await simulateContract(config, {
          account: from,
          chainId,
          address: contracts.registry,
          abi: upstreamRegistryAbi,
          functionName: "publishDatanet",
          args: [d.metadataUri, d.metadata.license, stake],
        });
        return writeContract(config, request);
      });
      hash = receipt.transactionHash;
    });
    if (!sent || !hash) return;
    try {
      // Stored only now, from the receipt the server reads itself.
      const stored = await postJson("/api/datanets/confirm", { txHash: hash, metadata: d.metadata }, publishedDatanetSchema);
      setPublished({ id: stored.id, name: stored.name });
    } catch (error) {
      setRefusal(`The datanet is on chain (transaction ${hash}) but the server did not store it: ${(error as Error).message}`);
    }
  };

  if (published) {
    return (
      <Card>
        <div data-testid="publish-done" data-id={published.id.toString()}>
          <p className="text-stone-800">
            <span aria-hidden>✓</span> <strong>{published.name}</strong> is published as datanet #{published.id.toString()}.
          </p>
          <TransactionStatus life={runner.life} testId="publish-status" />
          <p className="mt-4 flex flex-wrap gap-4">
            <Link href={`/datanets/${published.id}`} data-testid="publish-open">
              Open the datanet
            </Link>
            <Link href={`/datanets/${published.id}/contribute`}>Contribute its first records</Link>
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
    const { metadata } = draft;
    return (
      <Card title="Review before your wallet opens">
        <ChainGuard />
        <dl data-testid="publish-preview" className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[10rem_1fr]">
          <dt className="font-medium text-stone-600">Name</dt>
          <dd data-testid="preview-name">{metadata.name}</dd>
          <dt className="font-medium text-stone-600">Licence</dt>
          <dd data-testid="preview-license">
            {metadata.license}
            {metadata.licenseUrl ? (
              <>
                {" "}
                ·{" "}
                <a href={metadata.licenseUrl} rel="nofollow noopener noreferrer" target="_blank" className="underline">
                  {metadata.licenseUrl}
                </a>
              </>
            ) : null}
          </dd>
          <dt className="font-medium text-stone-600">Tags</dt>
          <dd data-testid="preview-tags">{metadata.tags?.join(", ") || "none"}</dd>
          <dt className="font-medium text-stone-600">Stake</dt>
          <dd>{formatMoney(draft.minStake)}, held by the registry while the datanet is open</dd>
          <dt className="font-medium text-stone-600">Metadata URI</dt>
          <dd className="break-all font-mono text-xs">{draft.metadataUri}</dd>
          <dt className="font-medium text-stone-600">Card</dt>
          <dd className="min-w-0">
            {metadata.description ? (
              <Markdown text={metadata.description} className="rounded-md border border-stone-200 p-3 text-sm leading-relaxed" />
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
    <form onSubmit={review} noValidate data-testid="publish-form">
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

        <MarkdownField
          id="description"
          label="Card"
          value={description}
          registration={register("description")}
          placeholder={"What the datanet holds, where it comes from, how records are cut.\n\n| field | meaning |\n| --- | --- |"}
          maxChars={4000}
          error={errors.description?.message}
        />

        <FormField id="license" label="Licence" error={errors.license?.message}>
          <select id="license" className={inputClass(Boolean(errors.license))} {...register("license")}>
            {DATANET_LICENSES.map((l) => (
              <option key={l.id} value={l.id}>
                {l.id === OTHER_LICENSE ? l.name : `${l.id} — ${l.name}`}
              </option>
            ))}
          </select>
        </FormField>

        {license === OTHER_LICENSE ? (
          <FormField
            id="licenseUrl"
            label="Licence URL"
            hint="Where the licence's text is (http or https)."
            error={errors.licenseUrl?.message}
          >
            <input
              id="licenseUrl"
              type="url"
              inputMode="url"
              className={inputClass(Boolean(errors.licenseUrl))}
              aria-invalid={Boolean(errors.licenseUrl)}
              aria-describedby={describedBy("licenseUrl", true, errors.licenseUrl)}
              {...register("licenseUrl")}
            />
          </FormField>
        ) : null}

        <FormField
          id="tags"
          label="Tags"
          hint={`Up to ${TAG_LIMITS.maxTags}, separated by commas or spaces: letters, digits and hyphens (e.g. speeches, us-history).`}
          error={errors.tags?.message}
        >
          <input
            id="tags"
            autoComplete="off"
            className={inputClass(Boolean(errors.tags))}
            aria-invalid={Boolean(errors.tags)}
            aria-describedby={describedBy("tags", true, errors.tags)}
            {...register("tags")}
          />
        </FormField>

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
