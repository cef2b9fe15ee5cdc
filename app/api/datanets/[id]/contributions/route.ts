import { draftContribution } from "@/lib/datanets/api";
import { handle, readJsonBody } from "@/lib/http";
import { processServer } from "@/lib/server/root";

/** Drafts a contribution: `{ contributor, records: string[] }` → Merkle root, count, record hashes and the call to send. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => draftContribution(await processServer().marketplace(), (await params).id, await readJsonBody(request)));
}
