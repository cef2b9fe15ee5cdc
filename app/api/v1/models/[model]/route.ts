/** GET /api/v1/models/<name> — one marketplace model (`upstream-<id>`), as OpenAI retrieves a model. */
import { handleGetModel } from "@/lib/inference/api";
import { processServer } from "@/lib/server/root";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(_request: Request, context: { params: Promise<{ model: string }> }): Promise<Response> {
  const { model } = await context.params;
  return handleGetModel(
    processServer()
      .inference()
      .then((s) => s.db),
    model,
  );
}
