/** POST /api/v1/keys creates an API key (shown once); GET ?payer= lists a payer's keys. */
import { handleCreateApiKey, handleListApiKeys } from "@/lib/inference/account-api";
import { sharedInferenceService } from "@/lib/inference/runtime";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const payments = () => sharedInferenceService().then((s) => s.payments);

export function POST(request: Request): Promise<Response> {
  return handleCreateApiKey(request, payments());
}

export function GET(request: Request): Promise<Response> {
  return handleListApiKeys(request, payments());
}
