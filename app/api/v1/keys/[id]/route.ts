/** DELETE /api/v1/keys/<id> with { payer, signature } revokes an API key. */
import { handleRevokeApiKey } from "@/lib/inference/account-api";
import { sharedInferenceService } from "@/lib/inference/runtime";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function DELETE(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await context.params;
  return handleRevokeApiKey(request, id, sharedInferenceService().then((s) => s.payments));
}
