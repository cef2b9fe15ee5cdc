import { draftContribution } from "@/lib/datanets/api";
import { marketplaceContext } from "@/lib/datanets/context";
import { handle, readJsonBody } from "@/lib/http";

/** Drafts a contribution: `{ contributor, records: string[] }` → Merkle root, count, record hashes and the call to send. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => draftContribution(await marketplaceContext(), (await params).id, await readJsonBody(request)));
}
