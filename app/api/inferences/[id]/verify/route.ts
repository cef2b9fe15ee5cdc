import { parseInferenceRef, verifyInference } from "@/lib/explorer";
import { handle } from "@/lib/http";
import { clientAddress } from "@/lib/rate-limits";
import { processServer } from "@/lib/server/root";
import type { InferenceVerificationAnswer } from "@/lib/wire/explorer";

// Re-running the engine is CPU work on every call: never cache a verdict, never prerender one.
export const dynamic = "force-dynamic";

/**
 * POST /api/inferences/:id/verify — recomputes the attribution from the stored prompt, context,
 * answer and records, and compares it with the stored proof, its hash and the payouts.
 * Answers `{ valid, storedHash, recomputedHash, differences, checks, problem }`.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const server = processServer();
  return handle(async (): Promise<InferenceVerificationAnswer> => {
    // Anyone may re-check, without a wallet: the cost (an index rebuild) is limited per client address.
    await server.limits().consume("ip", clientAddress(request, server.config.trustProxy));
    return verifyInference(await server.source(), parseInferenceRef((await params).id));
  });
}
