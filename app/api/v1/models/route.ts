/** GET /api/v1/models — the marketplace's active models, named `upstream-<id>`. */
import { handleListModels } from "@/lib/inference/api";
import { sharedInferenceService } from "@/lib/inference/runtime";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return handleListModels(sharedInferenceService().then((s) => s.db));
}
