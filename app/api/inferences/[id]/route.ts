import { getInferenceDetail, getStoredProof, parseInferenceRef } from "@/lib/explorer";
import { handle } from "@/lib/http";
import { processServer } from "@/lib/server/root";

/**
 * GET /api/inferences/:id — one paid inference (uuid or on-chain id): prompt, answer, credited
 * spans, records, split, settlement, and the stored attribution proof with its hash. Amounts are
 * decimal strings. 400 INVALID_INFERENCE_ID, 404 INFERENCE_NOT_FOUND.
 */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    const ref = parseInferenceRef((await params).id);
    const source = await processServer().source();
    const [inference, proof] = await Promise.all([getInferenceDetail(source, ref), getStoredProof(source, ref)]);
    return { inference, proof };
  });
}
