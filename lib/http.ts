/**
 * The one edge between the API routes and the domain: a JSON body reader (size limit and strict
 * UTF-8 as parameters), the zod input parser, and the JSON/error responder. Answers carry
 * bigints as decimal strings; an error becomes `{ error: { code, message, ...details } }`
 * (lib/wire/errors.ts) with its status, and an unexpected one is logged and answered as
 * 500 INTERNAL_ERROR without its message.
 */
import type { z } from "zod";
import { AttributionError } from "./attribution/errors";
import { type ErrorDetails, InvalidInputError, UpstreamError } from "./errors";
import { retryAfterHeaders } from "./rate-limits";
import type { ErrorBody } from "./wire/errors";

/** Largest request body read unless a route says otherwise: 8 MiB. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The code and status a route's API documents for one kind of unreadable body. */
export type BodyRefusal = { code: string; status: number };

/** Options of {@link readJsonBody}. */
export type ReadJsonBodyOptions = {
  /** Largest body in bytes, checked against Content-Length and then the bytes read (default 4 per allowed character, or 8 MiB). */
  maxBytes?: number;
  /** Largest body in characters once decoded (default: only the byte limit applies). */
  maxChars?: number;
  /** Refuse bytes that are not UTF-8 instead of decoding them as U+FFFD (default true). */
  strictUtf8?: boolean;
  /** A body over the limit (default 400 BODY_TOO_LARGE). */
  tooLarge?: BodyRefusal;
  /** A body that is not UTF-8 (default 400 INVALID_UTF8). */
  invalidUtf8?: BodyRefusal;
  /** A body that is not JSON (default 400 INVALID_JSON). */
  invalidJson?: BodyRefusal;
};

const refuse = (refusal: BodyRefusal, message: string) => new InvalidInputError(message, refusal.code, refusal.status);

/**
 * A request's JSON body, not yet validated. Strict UTF-8 matters where text gets hashed: a
 * lenient decoder would silently turn invalid bytes into U+FFFD and we would anchor a hash of
 * text the sender never wrote.
 */
export async function readJsonBody(request: Request, options: ReadJsonBodyOptions = {}): Promise<unknown> {
  const { maxChars, strictUtf8 = true } = options;
  const maxBytes = options.maxBytes ?? (maxChars === undefined ? MAX_BODY_BYTES : maxChars * 4);
  const tooLarge = options.tooLarge ?? { code: "BODY_TOO_LARGE", status: 400 };
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw refuse(tooLarge, `The request body of ${declared} bytes is over the limit of ${maxBytes}`);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw refuse(tooLarge, `The request body of ${bytes.byteLength} bytes is over the limit of ${maxBytes}`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: strictUtf8 }).decode(bytes);
  } catch {
    throw refuse(options.invalidUtf8 ?? { code: "INVALID_UTF8", status: 400 }, "The request body is not valid UTF-8");
  }
  if (maxChars !== undefined && text.length > maxChars) throw refuse(tooLarge, `The request body is over ${maxChars} characters`);
  try {
    return JSON.parse(text);
  } catch {
    throw refuse(options.invalidJson ?? { code: "INVALID_JSON", status: 400 }, "The request body is not valid JSON");
  }
}

/** Why a value failed its schema. */
export type InputFailure = {
  /** What the value is, as the caller named it. */
  what: string;
  /** Every issue zod found. */
  issues: readonly z.core.$ZodIssue[];
  /** One line naming each bad field: `path: message; …`. */
  summary: string;
};

/** Options of {@link parseInput}. */
export type ParseInputOptions = {
  /** What the value is ("permit", "query"); names an issue that has no path (default "input"). */
  what?: string;
  /** The error for a value that fails its schema (default 400 INVALID_INPUT with the summary). */
  refuse?: (failure: InputFailure) => Error;
};

/** `value` validated by `schema`, or the route's refusal naming every bad field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, options: ParseInputOptions = {}): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const what = options.what ?? "input";
  const issues = parsed.error.issues;
  const summary = issues.map((i) => `${i.path.join(".") || what}: ${i.message}`).join("; ");
  throw options.refuse ? options.refuse({ what, issues, summary }) : new InvalidInputError(summary);
}

/** JSON with bigints as decimal strings (JSON has no integer type wide enough for uint256). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** A JSON answer, never cached; bigints become decimal strings. `headers` add to the JSON ones. */
export function jsonResponse(value: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(toJson(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** What an answer may say about an error. */
export type ExposedError = Pick<UpstreamError, "code" | "status" | "message" | "details" | "param">;

const NO_DETAILS: ErrorDetails = {};

/**
 * What an answer may say about `error`: an UpstreamError as it is; an error of the attribution
 * engine (which imports nothing of ours, so stays outside the family) with its code and message,
 * as 500; null for anything else — a driver's or the runtime's error may carry a code too
 * (`ECONNREFUSED`, SQLSTATE `XX000`), but its message can name hosts, paths or SQL.
 */
export function exposedError(error: unknown): ExposedError | null {
  if (error instanceof UpstreamError) return error;
  if (error instanceof AttributionError) return { code: error.code, status: 500, message: error.message, details: NO_DETAILS, param: null };
  return null;
}

/** The error answer's body for any error; an unexpected one says only INTERNAL_ERROR. */
export function errorBody(error: unknown): ErrorBody {
  const exposed = exposedError(error);
  if (!exposed) return { error: { code: "INTERNAL_ERROR", message: "internal error" } };
  return { error: { ...exposed.details, code: exposed.code, message: exposed.message } };
}

/** The error answer for anything a handler threw; unexpected errors and every 5xx are logged. */
export function errorResponse(error: unknown): Response {
  const status = exposedError(error)?.status ?? 500;
  if (!(error instanceof UpstreamError) || status >= 500) console.error(error);
  return jsonResponse(errorBody(error), status, retryAfterHeaders(error));
}

/** Runs a handler body and answers its result as JSON with `status`, or its error as an error answer. */
export async function handle(run: () => Promise<unknown>, status = 200): Promise<Response> {
  try {
    return jsonResponse(await run(), status);
  } catch (error) {
    return errorResponse(error);
  }
}
