import { confirmDatanet } from "@/lib/datanets/api";
import { handle, readJsonBody } from "@/lib/http";
import { processServer } from "@/lib/server/root";

/** Confirms a datanet publication: `{ txHash, metadata? }`; stores it once the receipt matches its draft. */
export async function POST(request: Request) {
  return handle(async () => confirmDatanet(await processServer().marketplace(), await readJsonBody(request)), 201);
}
