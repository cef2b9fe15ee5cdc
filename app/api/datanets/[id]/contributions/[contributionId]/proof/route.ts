import { contributionRecordProof } from "@/lib/datanets/api";
import { handle } from "@/lib/http";
import { processServer } from "@/lib/server/root";

/** The Merkle proof of record `?position=N` of a contribution, checked against the root the registry holds. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string; contributionId: string }> }) {
  return handle(async () => {
    const { id, contributionId } = await params;
    return contributionRecordProof(await processServer().marketplace(), id, contributionId, new URL(request.url).searchParams);
  });
}
