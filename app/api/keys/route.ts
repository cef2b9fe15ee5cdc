import { getApiKeys, postApiKey } from "@/lib/payments/api";
import { sharedPayments } from "@/lib/server/payments";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Creates an API key from the payer's signature. */
export function POST(request: Request): Promise<Response> {
  return postApiKey(request, sharedPayments());
}

/** A payer's API keys: `?payer=0x…`. */
export function GET(request: Request): Promise<Response> {
  return getApiKeys(request, sharedPayments());
}
