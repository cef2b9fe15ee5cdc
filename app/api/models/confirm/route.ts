import { handle, readJsonBody } from "@/lib/http";
import { confirmModel } from "@/lib/models/api";
import { processServer } from "@/lib/server/root";

/** Confirms a model publication: `{ txHash, metadata? }`; stores it once the receipt matches its draft. */
export async function POST(request: Request) {
  return handle(async () => confirmModel(await processServer().marketplace(), await readJsonBody(request)), 201);
}
