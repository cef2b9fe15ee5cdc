"use client";
import Link from "next/link";
import { useEffect, useId, useMemo, useState } from "react";
import { useDropzone } from "react-dropzone";
import type { Hex } from "viem";
import { useAccount, useConfig, useReadContract } from "wagmi";
import { simulateContract, writeContract } from "wagmi/actions";
import { Button } from "@/components/button";
import { Card } from "@/components/card";
import { ChainGuard } from "@/components/chain-guard";
import { inputClass } from "@/components/form-field";
import { TransactionStatus } from "@/components/transaction-status";
import { upstreamRegistryAbi } from "@/lib/chain/abis";
import { contributionRoot } from "@/lib/datanets/merkle";
import { ApiRefusal, postJson } from "@/lib/web/api";
import { usePublicConfig } from "@/lib/web/public-config-context";
import {
  checkRecords,
  columnRecords,
  decodeFile,
  guessColumn,
  MAX_FILE_BYTES,
  parseCsv,
  parseJsonl,
  RECORD_FILE_TYPES,
  RecordFileError,
  type RecordTable,
  type SplitMode,
  splitText,
} from "@/lib/web/records-input";
import { useTransactionRunner } from "@/lib/web/transaction";
import { confirmedContributionSchema, contributionDraftAnswerSchema } from "@/lib/wire/datanets";
import { hashRecord, RECORD_LIMITS } from "@/lib/wire/records";

/** A file read into the form: text cut by the split mode, or a table mapped through a column. */
type LoadedFile =
  | { name: string; size: number; kind: "text"; text: string }
  | { name: string; size: number; kind: "table"; table: RecordTable; column: string };

const bytes = (n: number) =>
  n >= 1024 * 1024
    ? `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`
    : n >= 1024
      ? `${Math.round(n / 1024)} KB`
      : `${n} bytes`;

const SPLIT_MODES: { value: SplitMode; label: string }[] = [
  { value: "paragraphs", label: "By paragraph (a blank line between records)" },
  { value: "lines", label: "By line" },
  { value: "whole", label: "The whole text as one record" },
];

/** Hashes records a slice at a time so a large upload shows progress and the page stays responsive. */
function useHashes(records: readonly string[]): { hashes: Hex[] | null; done: number } {
  const [state, setState] = useState<{ hashes: Hex[] | null; done: number }>({ hashes: null, done: 0 });
  useEffect(() => {
    let cancelled = false;
    const hashes: Hex[] = [];
    setState({ hashes: null, done: 0 });
    const step = () => {
      if (cancelled) return;
      const end = Math.min(records.length, hashes.length + 250);
      for (let i = hashes.length; i < end; i++) hashes.push(hashRecord(records[i]));
      if (hashes.length < records.length) {
        setState({ hashes: null, done: hashes.length });
        setTimeout(step, 0);
      } else setState({ hashes, done: hashes.length });
    };
    step();
    return () => {
      cancelled = true;
    };
  }, [records]);
  return state;
}

/** Paste or upload records, check them, see them hashed and their root, anchor with one transaction, store on confirmation. */
export function ContributeForm({ datanetId }: { datanetId: string }) {
  const config = useConfig();
  const { contracts, chainId } = usePublicConfig();
  const account = useAccount();
  const runner = useTransactionRunner(chainId);
  const ids = useId();
  const [source, setSource] = useState<"paste" | "files">("paste");
  const [pasted, setPasted] = useState("");
  const [mode, setMode] = useState<SplitMode>("paragraphs");
  const [files, setFiles] = useState<LoadedFile[]>([]);
  const [fileErrors, setFileErrors] = useState<string[]>([]);
  const [upload, setUpload] = useState<{ label: string; sent: number; total: number } | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [stored, setStored] = useState<{ id: bigint; recordCount: number; firstRecordId: bigint } | null>(null);

  const onChain = useReadContract({
    chainId,
    address: contracts?.registry,
    abi: upstreamRegistryAbi,
    functionName: "getDatanet",
    args: [BigInt(datanetId)],
    query: { enabled: Boolean(contracts) },
  });
  const closed = onChain.data !== undefined && !onChain.data.active;

  const onDrop = async (accepted: File[], rejected: { file: File; errors: readonly { message: string; code: string }[] }[]) => {
    const problems = rejected.map(({ file, errors }) =>
      errors.some((e) => e.code === "file-too-large")
        ? `${file.name}: is ${file.size.toLocaleString("en")} bytes; a file holds at most ${MAX_FILE_BYTES.toLocaleString("en")}`
        : errors.some((e) => e.code === "file-invalid-type")
          ? `${file.name}: only ${RECORD_FILE_TYPES.join(", ")} files are taken`
          : `${file.name}: ${errors[0]?.message ?? "refused"}`,
    );
    const loaded: LoadedFile[] = [];
    for (const file of accepted) {
      try {
        const text = decodeFile(file.name, new Uint8Array(await file.arrayBuffer()));
        const lower = file.name.toLowerCase();
        if (lower.endsWith(".csv") || lower.endsWith(".jsonl")) {
          const table = lower.endsWith(".csv") ? parseCsv(file.name, text) : parseJsonl(file.name, text);
          loaded.push({ name: file.name, size: file.size, kind: "table", table, column: guessColumn(table) });
        } else loaded.push({ name: file.name, size: file.size, kind: "text", text });
      } catch (error) {
        problems.push(error instanceof RecordFileError ? error.message : `${file.name}: ${(error as Error).message}`);
      }
    }
    setFileErrors(problems);
    setFiles((current) => [...current, ...loaded]);
    runner.reset();
  };

  const dropzone = useDropzone({
    onDrop,
    accept: { "text/plain": [".txt"], "text/markdown": [".md"], "application/jsonl": [".jsonl"], "text/csv": [".csv"] },
    maxSize: MAX_FILE_BYTES,
    multiple: true,
  });

  const records = useMemo(() => {
    if (source === "paste") return splitText(pasted, mode);
    return files.flatMap((f) => (f.kind === "text" ? splitText(f.text, mode) : columnRecords(f.table, f.column)));
  }, [source, pasted, mode, files]);
  const check = useMemo(() => checkRecords(records), [records]);
  const { hashes, done } = useHashes(records);
  const root = useMemo(
    () => (hashes && hashes.length > 0 && account.address ? contributionRoot(account.address, hashes) : null),
    [hashes, account.address],
  );
  const ready = records.length > 0 && check.problems.length === 0 && root !== null && !closed;

  const contribute = async () => {
    if (!ready || !root || !account.address) return;
    setRefusal(null);
    let hash: Hex | undefined;
    const list = [...records];
    const sent = await runner.run(async ({ account: from, send }) => {
      if (!contracts) throw new Error("No contracts are deployed on this chain.");
      // The root the wallet signs is this browser's own; the server's draft must agree with it.
      const mine = contributionRoot(from, hashes ?? list.map(hashRecord));
      setUpload({ label: "Sending the records for checking", sent: 0, total: 1 });
      const draft = await postJson(
        `/api/datanets/${datanetId}/contributions`,
        { contributor: from, records: list },
        contributionDraftAnswerSchema,
        { onUploadProgress: (s, t) => setUpload({ label: "Sending the records for checking", sent: s, total: t }) },
      );
      setUpload(null);
      if (draft.merkleRoot !== mine.toLowerCase() || draft.recordCount !== list.length) {
        throw new Error(`The server computed root ${draft.merkleRoot} for these records; this browser computed ${mine}. Nothing was sent.`);
      }
      const receipt = await send("Anchoring the contribution", async () => {
        const { request } = await simulateContract(config, {
          account: from,
          chainId,
          address: contracts.registry,
          abi: upstreamRegistryAbi,
          functionName: "addContribution",
          args: [BigInt(datanetId), mine, list.length],
        });
        return writeContract(config, request);
      });
      hash = receipt.transactionHash;
    });
    setUpload(null);
    if (!sent || !hash) return;
    try {
      const confirm = (body: object) => postJson(`/api/datanets/${datanetId}/contributions/confirm`, body, confirmedContributionSchema);
      const result = await confirm({ txHash: hash }).catch((error) => {
        // This server lost the draft (a restart): send the records again with the transaction.
        if (error instanceof ApiRefusal && error.code === "DRAFT_NOT_FOUND") {
          return confirm({ txHash: hash, contributor: account.address, records: list });
        }
        throw error;
      });
      setStored({ id: result.id, recordCount: result.recordCount, firstRecordId: result.firstRecordId });
    } catch (error) {
      setRefusal(`The contribution is anchored on chain (${hash}) but the server did not store it: ${(error as Error).message}`);
    }
  };

  if (stored) {
    return (
      <Card>
        <div data-testid="contribute-done" data-id={stored.id.toString()} data-count={stored.recordCount}>
          <p>
            <span aria-hidden>✓</span> Contribution #{stored.id.toString()} stored: {stored.recordCount.toLocaleString("en")} records, ids{" "}
            {stored.firstRecordId.toString()}–{(stored.firstRecordId + BigInt(stored.recordCount) - 1n).toString()}.
          </p>
          <TransactionStatus life={runner.life} testId="contribute-status" />
          <p className="mt-4 flex flex-wrap gap-4">
            <Link href={`/datanets/${datanetId}`} data-testid="contribute-open">
              Open the datanet
            </Link>
            <button
              type="button"
              className="text-brand-700 underline-offset-2 hover:underline"
              onClick={() => {
                setStored(null);
                setPasted("");
                setFiles([]);
                runner.reset();
              }}
            >
              Contribute more
            </button>
          </p>
        </div>
      </Card>
    );
  }

  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <Card>
        <ChainGuard />
        {closed ? (
          <p role="alert" data-testid="datanet-closed" className="mb-4 text-sm text-red-700">
            This datanet is closed: it takes no more contributions.
          </p>
        ) : null}
        <fieldset className="mb-4">
          <legend className="mb-2 text-sm font-medium text-stone-800">Records from</legend>
          <div className="flex flex-wrap gap-4 text-sm">
            {(["paste", "files"] as const).map((s) => (
              <label key={s} className="flex items-center gap-2">
                <input
                  type="radio"
                  name="source"
                  value={s}
                  checked={source === s}
                  data-testid={`source-${s}`}
                  onChange={() => {
                    setSource(s);
                    runner.reset();
                  }}
                />
                {s === "paste" ? "Pasted text" : "Files (.txt, .md, .jsonl, .csv)"}
              </label>
            ))}
          </div>
        </fieldset>

        <div className="mb-4">
          <label htmlFor={`${ids}-mode`} className="mb-1 block text-sm font-medium text-stone-800">
            How text is cut into records
          </label>
          <select
            id={`${ids}-mode`}
            data-testid="split-mode"
            value={mode}
            onChange={(e) => setMode(e.target.value as SplitMode)}
            className={inputClass(false)}
          >
            {SPLIT_MODES.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
          <p className="mt-1 text-xs text-stone-600">
            For pasted text, .txt and .md files. CSV and JSONL files give one record per row, from the column you pick.
          </p>
        </div>

        {source === "paste" ? (
          <div>
            <label htmlFor={`${ids}-paste`} className="mb-1 block text-sm font-medium text-stone-800">
              Text
            </label>
            <textarea
              id={`${ids}-paste`}
              data-testid="paste-text"
              rows={12}
              value={pasted}
              onChange={(e) => {
                setPasted(e.target.value);
                runner.reset();
              }}
              className={`${inputClass(false)} font-mono`}
            />
          </div>
        ) : (
          <div>
            <div
              {...dropzone.getRootProps({
                className: `rounded-md border-2 border-dashed px-4 py-8 text-center text-sm ${
                  dropzone.isDragActive ? "border-brand-600 bg-brand-50" : "border-stone-300 bg-stone-50"
                }`,
              })}
              data-testid="dropzone"
            >
              <input {...dropzone.getInputProps()} data-testid="file-input" aria-label="Record files" />
              <p className="text-stone-700">Drop .txt, .md, .jsonl or .csv files here, or</p>
              <Button variant="secondary" className="mt-2" onClick={dropzone.open}>
                Choose files
              </Button>
            </div>
            {fileErrors.length > 0 ? (
              <div role="alert" data-testid="file-errors" className="mt-3 text-sm text-red-700">
                <ul className="space-y-1">
                  {fileErrors.map((e) => (
                    <li key={e}>{e}</li>
                  ))}
                </ul>
              </div>
            ) : null}
            {files.length > 0 ? (
              <ul className="mt-3 space-y-2 text-sm">
                {files.map((f, index) => (
                  <li
                    key={`${f.name}-${index}`}
                    data-testid="loaded-file"
                    className="flex flex-wrap items-center gap-2 rounded border border-stone-200 px-3 py-2"
                  >
                    <span className="font-medium">{f.name}</span>
                    <span className="text-stone-500">{bytes(f.size)}</span>
                    {f.kind === "table" ? (
                      <label className="flex items-center gap-2">
                        <span className="text-stone-600">column</span>
                        <select
                          data-testid="column-picker"
                          value={f.column}
                          onChange={(e) =>
                            setFiles((all) => all.map((g, i) => (i === index && g.kind === "table" ? { ...g, column: e.target.value } : g)))
                          }
                          className="rounded border border-stone-300 bg-white px-2 py-1"
                        >
                          {f.table.columns.map((c) => (
                            <option key={c} value={c}>
                              {c}
                            </option>
                          ))}
                        </select>
                        <span className="text-stone-500">{f.table.rows.length.toLocaleString("en")} rows</span>
                      </label>
                    ) : null}
                    <button
                      type="button"
                      className="ml-auto text-stone-600 underline-offset-2 hover:underline"
                      onClick={() => setFiles((all) => all.filter((_, i) => i !== index))}
                    >
                      Remove<span className="sr-only"> {f.name}</span>
                    </button>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        )}

        <p data-testid="record-limits" className="mt-4 text-xs text-stone-600">
          Limits: {bytes(RECORD_LIMITS.maxRecordBytes)} per record, {bytes(MAX_FILE_BYTES)} per file,{" "}
          {RECORD_LIMITS.maxRecords.toLocaleString("en")} records and {bytes(RECORD_LIMITS.maxContributionBytes)} per contribution. Empty
          and repeated records are refused.
        </p>
      </Card>

      <Card title="Preview">
        <dl className="mb-3 grid grid-cols-2 gap-2 text-sm">
          <dt className="text-stone-600">Records</dt>
          <dd data-testid="record-count" className="text-right tabular-nums">
            {records.length.toLocaleString("en")}
          </dd>
          <dt className="text-stone-600">Size</dt>
          <dd className="text-right tabular-nums">{bytes(check.totalBytes)}</dd>
          <dt className="text-stone-600">Hashed</dt>
          <dd className="text-right tabular-nums" data-testid="hash-progress">
            {done.toLocaleString("en")} / {records.length.toLocaleString("en")}
          </dd>
        </dl>
        <p className="mb-3 break-all text-xs text-stone-600">
          Merkle root:{" "}
          <span data-testid="merkle-root" className="font-mono">
            {root ?? (account.address ? "—" : "connect a wallet (the root binds the contributor)")}
          </span>
        </p>
        {check.problems.length > 0 ? (
          <div role="alert" data-testid="record-problems" className="mb-3 text-sm text-red-700">
            <p className="font-medium">These records cannot be sent:</p>
            <ul className="mt-1 list-disc pl-5">
              {check.problems.slice(0, 8).map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
            {check.problems.length > 8 ? <p>…and {check.problems.length - 8} more.</p> : null}
          </div>
        ) : null}
        <ol data-testid="record-preview" className="mb-4 space-y-2 text-sm">
          {records.slice(0, 5).map((text, index) => (
            <li key={index} className="rounded border border-stone-200 p-2">
              <p className="line-clamp-3 whitespace-pre-line text-stone-800">{text}</p>
              <p className="mt-1 truncate font-mono text-[11px] text-stone-500">{hashes?.[index] ?? "hashing…"}</p>
            </li>
          ))}
        </ol>
        {records.length > 5 ? <p className="mb-4 text-xs text-stone-500">…and {(records.length - 5).toLocaleString("en")} more.</p> : null}
        <Button
          data-testid="contribute-submit"
          disabled={!ready || runner.busy || !account.isConnected}
          onClick={contribute}
          className="w-full"
        >
          Anchor {records.length.toLocaleString("en")} {records.length === 1 ? "record" : "records"} with your wallet
        </Button>
        {!account.isConnected ? <p className="mt-2 text-sm text-stone-600">Connect a wallet to contribute.</p> : null}
        {upload ? (
          <div className="mt-3 text-sm" data-testid="upload-progress">
            <label className="block text-stone-700">
              {upload.label}
              <progress className="mt-1 block w-full" max={upload.total || 1} value={upload.sent} />
            </label>
          </div>
        ) : null}
        <TransactionStatus life={runner.life} testId="contribute-status" />
        {refusal ? (
          <p role="alert" data-testid="contribute-error" className="mt-3 text-sm text-red-700">
            {refusal}
          </p>
        ) : null}
        <p className="mt-3 text-xs text-stone-500">
          A check of these records against copies of existing records is not part of this form yet.
        </p>
      </Card>
    </div>
  );
}
