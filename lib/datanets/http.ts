/**
 * The edge between route handlers and the marketplace logic: bodies are read as strict UTF-8
 * and validated with zod, answers are JSON with bigints as decimal strings, and every error
 * becomes `{ error: { code, message } }` with a stable code.
 */
import { z } from "zod";
import { InvalidInputError, MarketplaceError } from "./errors";

/** Largest request body the publish and contribute routes read: 8 MiB. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The JSON body of an error answer. */
export type ErrorBody = { error: { code: string; message: string } };

/**
 * Reads a request body as JSON and validates it. The bytes are decoded as strict UTF-8: a
 * lenient decoder would silently turn invalid bytes into U+FFFD and we would anchor a hash of
 * text the sender never wrote.
 */
export async function readJsonBody<T extends z.ZodType>(request: Request, schema: T, maxBytes = MAX_BODY_BYTES): Promise<z.output<T>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new InvalidInputError(`Request body of ${declared} bytes exceeds ${maxBytes}`, "BODY_TOO_LARGE");
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw new InvalidInputError(`Request body of ${bytes.byteLength} bytes exceeds ${maxBytes}`, "BODY_TOO_LARGE");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidInputError("Request body is not valid UTF-8", "INVALID_UTF8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidInputError("Request body is not valid JSON", "INVALID_JSON");
  }
  return parseInput(schema, json);
}

/** Validates `value` with `schema`; throws InvalidInputError naming every bad field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidInputError(z.prettifyError(parsed.error).replace(/\n/g, "; "));
  return parsed.data;
}

/** JSON with bigints as decimal strings (JSON has no integer type wide enough for uint256). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** A JSON response; bigints become decimal strings. */
export function jsonResponse(value: unknown, status = 200): Response {
  return new Response(toJson(value), { status, headers: { "content-type": "application/json; charset=utf-8" } });
}

/** The JSON error answer for anything thrown in a handler; unexpected errors are logged and hidden. */
export function errorResponse(error: unknown): Response {
  if (error instanceof MarketplaceError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    return jsonResponse(body, error.status);
  }
  console.error(error);
  const body: ErrorBody = { error: { code: "INTERNAL_ERROR", message: "The server failed to handle this request" } };
  return jsonResponse(body, 500);
}

/** Runs a handler body and answers its result as JSON, or its error as an error answer. */
export async function handle(run: () => Promise<unknown>, status = 200): Promise<Response> {
  try {
    return jsonResponse(await run(), status);
  } catch (error) {
    return errorResponse(error);
  }
}
