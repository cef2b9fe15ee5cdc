/** GET /api/v1/models/<name> — one marketplace model (`upstream-<id>`), as OpenAI retrieves a model. */
import { handleGetModel } from "@/lib/inference/api";
import { sharedInferenceService } from "@/lib/inference/runtime";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(_request: Request, context: { params: Promise<{ model: string }> }): Promise<Response> {
  const { model } = await context.params;
  return handleGetModel(
    sharedInferenceService().then((s) => s.db),
    model,
  );
}
