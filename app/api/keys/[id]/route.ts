import { deleteApiKey } from "@/lib/payments/api";
import { processServer } from "@/lib/server/root";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Revokes an API key: body `{ payer, signature }`. */
export async function DELETE(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return deleteApiKey(request, (await context.params).id, processServer().payments());
}
