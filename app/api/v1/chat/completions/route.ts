/** POST /api/v1/chat/completions — OpenAI-compatible, paid with an Upstream API key. */
import { handleChatCompletions } from "@/lib/inference/api";
import { sharedInferenceService } from "@/lib/inference/runtime";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  return handleChatCompletions(request, sharedInferenceService().then((s) => s.gateway));
}
