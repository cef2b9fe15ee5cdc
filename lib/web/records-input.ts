/**
 * Turning what a contributor pastes or uploads into records, in the browser, with the same
 * checks the server runs (lib/wire/records.ts) before anything is sent.
 */
import Papa from "papaparse";
import { RECORD_LIMITS, recordProblem, utf8Length } from "@/lib/wire/records";

/** How pasted text or a .txt/.md file is cut into records. */
export type SplitMode = "paragraphs" | "lines" | "whole";

/** The file types the contribute form takes. */
export const RECORD_FILE_TYPES = [".txt", ".md", ".jsonl", ".csv"] as const;

/** Largest file the form reads: a file never holds more than a whole contribution may. */
export const MAX_FILE_BYTES = RECORD_LIMITS.maxContributionBytes;

/** Cuts text into records: paragraphs (separated by blank lines), lines, or the whole text; blank pieces are dropped. */
export function splitText(text: string, mode: SplitMode): string[] {
  const normalised = text.replace(/\r\n?/g, "\n");
  const pieces = mode === "whole" ? [normalised] : mode === "lines" ? normalised.split("\n") : normalised.split(/\n[ \t]*\n/);
  return pieces.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** A file that cannot be read as records, and why. */
export class RecordFileError extends Error {
  constructor(
    readonly fileName: string,
    message: string,
  ) {
    super(`${fileName}: ${message}`);
    this.name = "RecordFileError";
  }
}

/** The file's bytes as text; throws RecordFileError when they are over the limit or not valid UTF-8. */
export function decodeFile(fileName: string, bytes: Uint8Array): string {
  if (bytes.byteLength > MAX_FILE_BYTES) {
    throw new RecordFileError(
      fileName,
      `is ${bytes.byteLength.toLocaleString("en")} bytes; a file holds at most ${MAX_FILE_BYTES.toLocaleString("en")}`,
    );
  }
  try {
    // fatal: a byte sequence that is not UTF-8 refuses the file instead of becoming U+FFFD, whose hash the contributor never wrote.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new RecordFileError(fileName, "is not valid UTF-8 text");
  }
}

/** A table read from a CSV or JSONL file: its columns (fields holding text) and its rows. */
export type RecordTable = { columns: string[]; rows: Record<string, unknown>[] };

/** A CSV file with a header row, parsed by papaparse. */
export function parseCsv(fileName: string, text: string): RecordTable {
  const parsed = Papa.parse<Record<string, unknown>>(text, { header: true, skipEmptyLines: "greedy" });
  const fatal = parsed.errors.find((e) => e.type === "Quotes" || e.type === "Delimiter");
  if (fatal) throw new RecordFileError(fileName, `row ${(fatal.row ?? 0) + 2}: ${fatal.message}`);
  const columns = (parsed.meta.fields ?? []).filter((f) => f.length > 0);
  if (columns.length === 0) throw new RecordFileError(fileName, "has no header row naming its columns");
  return { columns, rows: parsed.data };
}

/** A JSON Lines file: one JSON object per line (a line that is a JSON string is a record under the column "text"). */
export function parseJsonl(fileName: string, text: string): RecordTable {
  const rows: Record<string, unknown>[] = [];
  const columns = new Set<string>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new RecordFileError(fileName, `line ${index + 1} is not JSON`);
    }
    const row = typeof value === "string" ? { text: value } : value;
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw new RecordFileError(fileName, `line ${index + 1} is not a JSON object`);
    }
    for (const [key, field] of Object.entries(row)) if (typeof field === "string") columns.add(key);
    rows.push(row as Record<string, unknown>);
  });
  if (columns.size === 0) throw new RecordFileError(fileName, "has no line with a text field");
  return { columns: [...columns], rows };
}

/** The column most likely to hold the text: "text", "content", "body"… else the one with the longest values. */
export function guessColumn(table: RecordTable): string {
  for (const name of ["text", "content", "body", "record", "paragraph", "passage"]) {
    const found = table.columns.find((c) => c.toLowerCase() === name);
    if (found) return found;
  }
  const length = (column: string) => table.rows.slice(0, 50).reduce((sum, row) => sum + String(row[column] ?? "").length, 0);
  return [...table.columns].sort((a, b) => length(b) - length(a))[0];
}

/** The records of one column: each row's value, trimmed; rows without a value are skipped. */
export function columnRecords(table: RecordTable, column: string): string[] {
  return table.rows
    .map((row) => row[column])
    .filter((v): v is string | number => typeof v === "string" || typeof v === "number")
    .map((v) => String(v).trim())
    .filter((v) => v.length > 0);
}

/** What is wrong with a set of records as one contribution, and its size. */
export type RecordCheck = {
  /** One line per refusal, naming the record (1-based, as a person counts). */
  problems: string[];
  /** UTF-8 bytes over all records. */
  totalBytes: number;
};

/** Runs the server's checks on records: each one (empty, encoding, size), repeats, count and total size. */
export function checkRecords(records: readonly string[]): RecordCheck {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  let totalBytes = 0;
  records.forEach((text, index) => {
    const problem = recordProblem(text);
    if (problem) problems.push(`Record ${index + 1} ${problem}.`);
    const first = seen.get(text);
    if (first !== undefined) problems.push(`Record ${index + 1} repeats record ${first + 1}.`);
    else seen.set(text, index);
    totalBytes += utf8Length(text);
  });
  if (records.length > RECORD_LIMITS.maxRecords) {
    problems.push(
      `${records.length.toLocaleString("en")} records: a contribution holds at most ${RECORD_LIMITS.maxRecords.toLocaleString("en")}.`,
    );
  }
  if (totalBytes > RECORD_LIMITS.maxContributionBytes) {
    problems.push(
      `The records total ${totalBytes.toLocaleString("en")} bytes: a contribution holds at most ${RECORD_LIMITS.maxContributionBytes.toLocaleString("en")}.`,
    );
  }
  return { problems, totalBytes };
}
