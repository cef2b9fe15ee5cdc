import { confirmContributionRequest } from "@/lib/datanets/api";
import { handle, readJsonBody } from "@/lib/http";
import { processServer } from "@/lib/server/root";

/** Confirms a contribution: `{ txHash, contributor?, records? }`; stores the records once the receipt anchors exactly them. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(
    async () => confirmContributionRequest(await processServer().marketplace(), (await params).id, await readJsonBody(request)),
    201,
  );
}
