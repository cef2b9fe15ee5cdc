/** POST /api/v1/chat/completions — OpenAI-compatible, paid with an Upstream API key. */
import { handleChatCompletions } from "@/lib/inference/api";
import { processServer } from "@/lib/server/root";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  const server = processServer();
  return handleChatCompletions(request, server.gateway(), server.limits());
}
