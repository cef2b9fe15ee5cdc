import { marketplaceContext } from "@/lib/datanets/context";
import { handle, readJsonBody } from "@/lib/http";
import { confirmModel } from "@/lib/models/api";

/** Confirms a model publication: `{ txHash, metadata? }`; stores it once the receipt matches its draft. */
export async function POST(request: Request) {
  return handle(async () => confirmModel(await marketplaceContext(), await readJsonBody(request)), 201);
}
