/**
 * `npm run attribute -- --records FILE.jsonl --output FILE.txt [--prompt FILE.txt] [--price UNITS] [--json]`
 *
 * Attributes an output to a records file and prints who gets what. Each line of the records
 * file is `{"id","contributor","text"}`; the file's order is the on-chain order. With --prompt,
 * the top records by BM25 are taken as the model's context (their influence is measured by the
 * span leave-one-out). By default the whole price goes to the contributors; --owner, --owner-bps
 * and --fee-bps give the model owner and the protocol their parts. With --json the last line is
 * one JSON object: { split: [{contributor, amount}], records: [{id, score}], hash, ... }.
 * The part of the contributors' pool the records do not explain goes where --unexplained says
 * (owner, the default, or treasury with --treasury); --influence FILE passes a backend's measured
 * influence of its context records ([{"id","influence"}]).
 * Bad input prints one `error: ...` line to stderr and exits with status 1 (2 for bad flags).
 */
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { isAddress } from "viem/utils";
import { z } from "zod";
import { type Address, type Attribution, AttributionError, attribute, buildIndex, type RecordInput, retrieve } from "../lib/attribution";

const USAGE = `usage: npm run attribute -- --records FILE.jsonl --output FILE.txt [options]

  --records FILE      records, one JSON object per line: {"id","contributor","text"} (on-chain order)
  --output FILE       the model output to attribute
  --prompt FILE       the prompt; its top records by BM25 become the context
  --price UNITS       price in the token's smallest unit (default 10^18)
  --owner ADDRESS     model owner (gets --owner-bps, and the unexplained pool under --unexplained owner)
  --owner-bps N       owner's share in basis points (default 0; needs --owner)
  --fee-bps N         protocol fee in basis points (default 0)
  --top-k N           context records retrieved for --prompt (default 5)
  --min-span N        shortest credited span in tokens (default 6)
  --cap-bps N         cap on one contributor's share of the pool, in basis points
  --unexplained POLICY  who is paid what the records do not explain: owner (default) or treasury
  --treasury ADDRESS  the treasury paid under --unexplained treasury
  --influence FILE    a backend's measured influence, JSON [{"id","influence"}]; its records are the
                      context (with --prompt each must be one of the retrieved records)
  --max-record-mb N   largest accepted record text in megabytes (default 1)
  --json              print a JSON object as the last line
  --help              this text`;

/** A problem with the user's input: printed as one line, never a stack trace. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000" as Address;

const recordLine = z.object({
  id: z.union([z.string().min(1), z.number().int()]).transform(String),
  contributor: z.string().refine((a) => isAddress(a, { strict: false }), "is not a valid address"),
  text: z.string(),
});

function readUtf8(path: string, what: string, maxBytes: number): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new CliError(`cannot read ${what} file ${path}`);
  }
  if (size > maxBytes) throw new CliError(`${what} file ${path} is ${size} bytes, more than the limit of ${maxBytes}`);
  const bytes = readFileSync(path);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CliError(`${what} file ${path} is not valid UTF-8`);
  }
}

function parseRecords(text: string, path: string, maxRecordBytes: number): RecordInput[] {
  const records: RecordInput[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const where = `${path} line ${i + 1}`;
    if (Buffer.byteLength(line, "utf8") > maxRecordBytes + 4096) {
      throw new CliError(`${where}: record is larger than the limit of ${maxRecordBytes} bytes`);
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new CliError(`${where}: not valid JSON (${(e as Error).message})`);
    }
    const parsed = recordLine.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CliError(`${where}: ${issue.path.join(".") || "record"} ${issue.message}`);
    }
    if (Buffer.byteLength(parsed.data.text, "utf8") > maxRecordBytes) {
      throw new CliError(`${where}: record ${parsed.data.id} text is larger than the limit of ${maxRecordBytes} bytes`);
    }
    records.push({ id: parsed.data.id, contributor: parsed.data.contributor as Address, text: parsed.data.text });
  });
  if (records.length === 0) throw new CliError(`${path} has no records`);
  return records;
}

const influenceFile = z.array(
  z
    .object({
      id: z.union([z.string().min(1), z.number().int()]).transform(String),
      influence: z.number().refine(Number.isFinite, "must be a finite number"),
    })
    .strict(),
);

/** The --influence file: a JSON array of {id, influence}, each id once. */
function parseInfluence(text: string, path: string): { id: string; influence: number }[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliError(`influence file ${path}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = influenceFile.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`influence file ${path}: ${issue.path.join(".") || "content"} ${issue.message} (expected [{"id","influence"}])`);
  }
  const seen = new Set<string>();
  for (const m of parsed.data) {
    if (seen.has(m.id)) throw new CliError(`influence file ${path}: record ${m.id} appears twice`);
    seen.add(m.id);
  }
  return parsed.data;
}

function intFlag(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new CliError(`--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`, 2);
  }
  return Number(value);
}

function main(argv: string[]): void {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        records: { type: "string" },
        output: { type: "string" },
        prompt: { type: "string" },
        price: { type: "string" },
        owner: { type: "string" },
        "owner-bps": { type: "string" },
        "fee-bps": { type: "string" },
        "top-k": { type: "string" },
        "min-span": { type: "string" },
        "cap-bps": { type: "string" },
        unexplained: { type: "string" },
        treasury: { type: "string" },
        influence: { type: "string" },
        "max-record-mb": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.records || !values.output) throw new CliError(`--records and --output are required\n${USAGE}`, 2);
  if (values.price !== undefined && !/^\d+$/.test(values.price))
    throw new CliError(`--price must be a non-negative integer, got ${JSON.stringify(values.price)}`, 2);
  const price = values.price === undefined ? 10n ** 18n : BigInt(values.price);
  if (values.owner !== undefined && !isAddress(values.owner, { strict: false }))
    throw new CliError(`--owner ${values.owner} is not a valid address`, 2);
  const ownerShareBps = intFlag(values["owner-bps"], "owner-bps", 0, 0, 10_000);
  const protocolFeeBps = intFlag(values["fee-bps"], "fee-bps", 0, 0, 10_000);
  if (ownerShareBps > 0 && values.owner === undefined) throw new CliError("--owner-bps needs --owner", 2);
  if (ownerShareBps + protocolFeeBps > 10_000) throw new CliError("--owner-bps plus --fee-bps must not exceed 10000", 2);
  const topK = intFlag(values["top-k"], "top-k", 5, 0, 1000);
  const minSpanTokens = intFlag(values["min-span"], "min-span", 6, 1, 1000);
  const cap = values["cap-bps"] === undefined ? undefined : intFlag(values["cap-bps"], "cap-bps", 0, 1, 10_000);
  const maxRecordBytes = intFlag(values["max-record-mb"], "max-record-mb", 1, 1, 1024) * 1024 * 1024;
  const unexplainedPool = values.unexplained ?? "owner";
  if (unexplainedPool !== "owner" && unexplainedPool !== "treasury") {
    throw new CliError(`--unexplained must be owner or treasury, got ${JSON.stringify(values.unexplained)}`, 2);
  }
  if (values.treasury !== undefined && !isAddress(values.treasury, { strict: false }))
    throw new CliError(`--treasury ${values.treasury} is not a valid address`, 2);
  if (unexplainedPool === "treasury" && values.treasury === undefined) throw new CliError("--unexplained treasury needs --treasury", 2);
  if (unexplainedPool !== "treasury" && values.treasury !== undefined) throw new CliError("--treasury needs --unexplained treasury", 2);
  const influence =
    values.influence === undefined
      ? undefined
      : parseInfluence(readUtf8(values.influence, "influence", 64 * 1024 * 1024), values.influence);

  const records = parseRecords(readUtf8(values.records, "records", 2 * 1024 ** 3), values.records, maxRecordBytes);
  const output = readUtf8(values.output, "output", 64 * 1024 * 1024);
  if (output.trim() === "") throw new CliError(`output file ${values.output} is empty`);
  const prompt = values.prompt === undefined ? "" : readUtf8(values.prompt, "prompt", 64 * 1024 * 1024);

  const index = buildIndex(records, { maxRecordChars: maxRecordBytes });
  const retrieved = prompt.trim() === "" ? undefined : retrieve(index, prompt, { k: topK }).map((r) => r.id);
  const context = retrieved ?? [...new Set((influence ?? []).map((m) => m.id))];
  for (const m of influence ?? []) {
    if (!records.some((r) => r.id === m.id))
      throw new CliError(`influence file ${values.influence}: record ${m.id} is not in the records file`);
    if (!context.includes(m.id))
      throw new CliError(`influence file ${values.influence}: record ${m.id} is not one of the retrieved context records`);
  }
  const owner = (values.owner ?? ZERO_ADDRESS) as Address;
  const result = attribute({
    index,
    prompt,
    context,
    output,
    price,
    ownerShareBps,
    protocolFeeBps,
    owner,
    policy: { minSpanTokens, unexplainedPool, ...(cap === undefined ? {} : { maxContributorShareBps: cap }) },
    treasury: values.treasury as Address | undefined,
    contextInfluence: influence,
  });
  printTable(result, output, context, values.owner === undefined);
  if (values.json) console.log(JSON.stringify(toJson(result, values.owner === undefined)));
}

/** The --json object: the issue's fields plus owner, protocol fee and spans. */
function toJson(result: Attribution, noOwner: boolean) {
  const { proof } = result;
  const ownerPart = proof.split.find((p) => p.role === "owner")!;
  const protocolPart = proof.split.find((p) => p.role === "protocol")!;
  const unexplainedPart = proof.split.find((p) => p.role === "unexplained")!;
  const unexplainedUnpaid = noOwner && proof.policy.unexplainedPool === "owner";
  return {
    split: proof.split.filter((p) => p.role === "contributor").map((p) => ({ contributor: p.address, amount: p.amount.toString() })),
    records: proof.records.map((r) => ({ id: r.id, score: r.score })),
    hash: result.hash,
    price: proof.input.price.toString(),
    owner: noOwner ? null : { address: ownerPart.address, amount: ownerPart.amount.toString() },
    protocolFee: protocolPart.amount.toString(),
    unexplained: {
      policy: proof.policy.unexplainedPool,
      address: unexplainedUnpaid ? null : unexplainedPart.address,
      amount: unexplainedPart.amount.toString(),
    },
    // What nobody is paid: the unexplained part when it would go to an owner that was not given.
    unattributed: unexplainedUnpaid ? unexplainedPart.amount.toString() : "0",
    context: proof.input.context,
    duplicates: proof.duplicates,
    spans: proof.spans.map((s) => ({
      start: s.charStart,
      end: s.charEnd,
      tokens: s.tokens,
      common: s.common,
      records: s.records,
      value: s.value,
      gapped: s.gapped === true,
    })),
  };
}

function printTable(result: Attribution, output: string, context: string[], noOwner: boolean): void {
  const { proof } = result;
  const lines: string[] = [];
  lines.push(`index: ${proof.index.records} records, ${proof.index.tokens} tokens; output: ${proof.input.outputTokens} tokens`);
  if (context.length > 0) lines.push(`context (BM25): ${context.join(", ")}`);
  lines.push("", "records credited:");
  if (proof.records.length === 0) lines.push("  (none)");
  for (const r of proof.records) {
    lines.push(
      `  ${r.id.padEnd(16)} ${r.contributor}  spans ${r.spanCredit.toFixed(2).padStart(8)}  context ${r.contextInfluence.toFixed(2).padStart(7)}  score ${r.score.toFixed(4)}`,
    );
  }
  for (const d of proof.duplicates) lines.push(`  ${d.id} copies ${d.original}: its credit goes to ${d.original}`);
  lines.push("", "split:");
  for (const p of proof.split) {
    if (p.role === "owner" && noOwner) continue;
    if (p.role === "unexplained" && noOwner && proof.policy.unexplainedPool === "owner") {
      lines.push(`  ${"unexplained -> owner (declared policy; no --owner: unattributed)".padEnd(52)} ${p.amount}`);
      continue;
    }
    const who =
      p.role === "protocol"
        ? "protocol fee"
        : p.role === "unexplained"
          ? `unexplained -> ${proof.policy.unexplainedPool} ${p.address}`
          : `${p.role} ${p.address}`;
    lines.push(`  ${who.padEnd(52)} ${p.amount}`);
  }
  lines.push("", "spans:");
  const shown = proof.spans.filter((s) => s.tokens > 0);
  if (shown.length === 0) lines.push("  (none)");
  for (const s of shown) {
    const text = output.slice(s.charStart, s.charEnd).replace(/\s+/g, " ");
    const excerpt = text.length > 70 ? `${text.slice(0, 67)}...` : text;
    const who = s.common ? `common (${s.recordCount}+ records): no credit` : s.records.join(", ");
    lines.push(`  [${s.charStart}-${s.charEnd}] ${s.tokens} tokens${s.gapped ? " (gapped)" : ""} "${excerpt}" -> ${who}`);
  }
  lines.push("", `hash: ${result.hash}`);
  console.log(lines.join("\n"));
}

try {
  main(process.argv.slice(2));
} catch (e) {
  if (e instanceof CliError) {
    console.error(`error: ${e.message}`);
    process.exit(e.exitCode);
  }
  if (e instanceof AttributionError) {
    console.error(`error: ${e.message} (${e.code})`);
    process.exit(1);
  }
  console.error(`error: ${(e as Error)?.message ?? String(e)}`);
  process.exit(1);
}
