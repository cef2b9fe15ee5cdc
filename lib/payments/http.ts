/**
 * The HTTP face of payments, shared by the `app/api/permits` and `app/api/keys` routes: JSON in
 * (zod-validated by the service), JSON out with amounts as decimal strings, and every error as
 * `{ error: { code, message, ...details } }` with its stable code and status.
 */
import { errorStatus, InvalidRequestError, RequestTooLargeError, toErrorBody } from "./errors";
import type { Payments } from "./index";
import { parseInput, revokeApiKeySchema } from "./schemas";

/** Largest body the payment routes read, in characters: a permit or key request is far smaller. */
const MAX_BODY_CHARS = 16_384;

type Service = Payments | Promise<Payments>;

/** A JSON response; bigints become decimal strings. */
export function jsonResponse(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data, (_key, value) => (typeof value === "bigint" ? value.toString(10) : value)), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/** The error response for any error (unknown errors are logged and answered as INTERNAL_ERROR). */
export function errorResponse(error: unknown): Response {
  const status = errorStatus(error);
  if (status >= 500) console.error(error);
  return jsonResponse(toErrorBody(error), status);
}

/** The request's JSON body; INVALID_REQUEST when it is not JSON, REQUEST_TOO_LARGE past the limit. */
export async function readJsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.length > MAX_BODY_CHARS) throw new RequestTooLargeError(`the body is over ${MAX_BODY_CHARS} characters`);
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError("the body is not valid JSON");
  }
}

async function answer(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    return errorResponse(error);
  }
}

const payerParam = (request: Request): string => new URL(request.url).searchParams.get("payer") ?? "";

/** `POST /api/permits`: verifies and stores a signed spend permit → 201 `{ permit }`. */
export function postPermit(request: Request, service: Service): Promise<Response> {
  return answer(async () => jsonResponse({ permit: await (await service).registerPermit(await readJsonBody(request)) }, 201));
}

/** `GET /api/permits?payer=0x…` → `{ permits }` with what is spent, held and left of each. */
export function getPermits(request: Request, service: Service): Promise<Response> {
  return answer(async () => jsonResponse({ permits: await (await service).listPermits(payerParam(request)) }));
}

/** `POST /api/keys`: creates an API key from the payer's signature → 201 `{ key, apiKey }` (the key only here). */
export function postApiKey(request: Request, service: Service): Promise<Response> {
  return answer(async () => jsonResponse(await (await service).createApiKey(await readJsonBody(request)), 201));
}

/** `GET /api/keys?payer=0x…` → `{ keys }` (prefixes, caps and use; never the keys). */
export function getApiKeys(request: Request, service: Service): Promise<Response> {
  return answer(async () => jsonResponse({ keys: await (await service).listApiKeys(payerParam(request)) }));
}

/** `DELETE /api/keys/<id>` with `{ payer, signature }` over the revocation message → `{ key }`. */
export function deleteApiKey(request: Request, id: string, service: Service): Promise<Response> {
  return answer(async () => {
    const body = parseInput(revokeApiKeySchema, await readJsonBody(request), "revocation");
    return jsonResponse({ key: await (await service).revokeApiKey(body.payer, id, body.signature) });
  });
}
