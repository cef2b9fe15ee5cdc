/** POST /api/playground/chat — a paid inference for the browser holding a permit's session key (see ../handlers.ts). */
import { processServer } from "@/lib/server/root";
import { handlePlaygroundChat } from "../handlers";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  const server = processServer();
  return handlePlaygroundChat(
    request,
    server.inference().then((service) => ({ ...service, limits: server.limits() })),
  );
}
