/** GET /api/v1/models — the marketplace's active models, named `upstream-<id>`. */
import { handleListModels } from "@/lib/inference/api";
import { processServer } from "@/lib/server/root";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return handleListModels(
    processServer()
      .inference()
      .then((s) => s.db),
  );
}
