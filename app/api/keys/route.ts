import { getApiKeys, postApiKey } from "@/lib/payments/api";
import { processServer } from "@/lib/server/root";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Creates an API key from the payer's signature. */
export function POST(request: Request): Promise<Response> {
  return postApiKey(request, processServer().payments());
}

/** A payer's API keys: `?payer=0x…`. */
export function GET(request: Request): Promise<Response> {
  return getApiKeys(request, processServer().payments());
}
