/**
 * The API a payer's wallet (the dashboard) and agents use to set up paying: register a signed
 * spend permit, create, list and revoke API keys. Thin over `lib/payments`; amounts go out as
 * decimal strings, errors in the same OpenAI-shaped body as the rest of `/api/v1`.
 */
import type { Payments } from "@/lib/payments";
import { errorResponse, readJson } from "./api";

type Service = Payments | Promise<Payments>;

/** JSON with bigints as decimal strings. */
function json(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data, (_key, value) => (typeof value === "bigint" ? value.toString() : value)), {
    status,
    headers: { "content-type": "application/json" },
  });
}

async function respond(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    return errorResponse(error);
  }
}

const payerOf = (request: Request) => new URL(request.url).searchParams.get("payer") ?? "";

/** `POST /api/v1/permits`: verifies and stores a signed spend permit. */
export function handleRegisterPermit(request: Request, service: Service): Promise<Response> {
  return respond(async () => json({ permit: await (await service).registerPermit(await readJson(request)) }, 201));
}

/** `GET /api/v1/permits?payer=0x…`: the payer's permits with what is spent, held and left. */
export function handleListPermits(request: Request, service: Service): Promise<Response> {
  return respond(async () => json({ permits: await (await service).listPermits(payerOf(request)) }));
}

/** `POST /api/v1/keys`: creates an API key from the payer's signature; the key is in this answer only. */
export function handleCreateApiKey(request: Request, service: Service): Promise<Response> {
  return respond(async () => json(await (await service).createApiKey(await readJson(request)), 201));
}

/** `GET /api/v1/keys?payer=0x…`: the payer's keys (prefixes, caps, use — never the keys). */
export function handleListApiKeys(request: Request, service: Service): Promise<Response> {
  return respond(async () => json({ keys: await (await service).listApiKeys(payerOf(request)) }));
}

/** `DELETE /api/v1/keys/<id>` with `{ payer, signature }`: revokes a key. */
export function handleRevokeApiKey(request: Request, id: string, service: Service): Promise<Response> {
  return respond(async () => {
    const body = (await readJson(request)) as { payer?: unknown; signature?: unknown } | null;
    const payer = typeof body?.payer === "string" ? body.payer : "";
    const signature = typeof body?.signature === "string" ? body.signature : "";
    return json({ key: await (await service).revokeApiKey(payer, id, signature) });
  });
}
