/**
 * The payment routes (`app/api/permits`, `app/api/keys`): JSON in (zod-validated by the service),
 * JSON out through the edge (lib/http.ts) in the shapes of lib/wire/payments.ts, every refusal
 * with its stable code and details.
 */
import { handle, parseInput, type ReadJsonBodyOptions, readJsonBody } from "@/lib/http";
import type {
  ApiKeyListAnswer,
  CreatedApiKeyAnswer,
  PermitListAnswer,
  RegisteredPermitAnswer,
  RevokedApiKeyAnswer,
} from "@/lib/wire/payments";
import { invalidRequest } from "./errors";
import type { Payments } from "./index";
import { revokeApiKeySchema } from "./schemas";

/**
 * How the payment routes read a body: at most 16,384 characters (a permit or key request is far
 * smaller), 413 REQUEST_TOO_LARGE past it, 400 INVALID_REQUEST when it is not JSON.
 */
export const paymentBody: ReadJsonBodyOptions = {
  maxChars: 16_384,
  strictUtf8: false,
  tooLarge: { code: "REQUEST_TOO_LARGE", status: 413 },
  invalidJson: { code: "INVALID_REQUEST", status: 400 },
};

type Service = Payments | Promise<Payments>;

const payerParam = (request: Request): string => new URL(request.url).searchParams.get("payer") ?? "";

/** `POST /api/permits`: verifies and stores a signed spend permit → 201 `{ permit }`. */
export function postPermit(request: Request, service: Service): Promise<Response> {
  return handle(
    async (): Promise<RegisteredPermitAnswer> => ({
      permit: await (await service).registerPermit(await readJsonBody(request, paymentBody)),
    }),
    201,
  );
}

/** `GET /api/permits?payer=0x…` → `{ permits, debt }`: what is spent, held and left of each, and what the payer owes. */
export function getPermits(request: Request, service: Service): Promise<Response> {
  return handle(async (): Promise<PermitListAnswer> => (await service).permitAccount(payerParam(request)));
}

/** `POST /api/keys`: creates an API key from the payer's signature → 201 `{ key, apiKey }` (the key only here). */
export function postApiKey(request: Request, service: Service): Promise<Response> {
  return handle(async (): Promise<CreatedApiKeyAnswer> => (await service).createApiKey(await readJsonBody(request, paymentBody)), 201);
}

/** `GET /api/keys?payer=0x…` → `{ keys }` (prefixes, caps and use; never the keys). */
export function getApiKeys(request: Request, service: Service): Promise<Response> {
  return handle(async (): Promise<ApiKeyListAnswer> => ({ keys: await (await service).listApiKeys(payerParam(request)) }));
}

/** `DELETE /api/keys/<id>` with `{ payer, signature }` over the revocation message → `{ key }`. */
export function deleteApiKey(request: Request, id: string, service: Service): Promise<Response> {
  return handle(async (): Promise<RevokedApiKeyAnswer> => {
    const body = parseInput(revokeApiKeySchema, await readJsonBody(request, paymentBody), { what: "revocation", refuse: invalidRequest });
    return { key: await (await service).revokeApiKey(body.payer, id, body.signature) };
  });
}
