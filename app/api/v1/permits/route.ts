/** POST /api/v1/permits registers a signed spend permit; GET ?payer= lists a payer's permits. */
import { handleListPermits, handleRegisterPermit } from "@/lib/inference/account-api";
import { sharedInferenceService } from "@/lib/inference/runtime";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const payments = () => sharedInferenceService().then((s) => s.payments);

export function POST(request: Request): Promise<Response> {
  return handleRegisterPermit(request, payments());
}

export function GET(request: Request): Promise<Response> {
  return handleListPermits(request, payments());
}
