import { confirmDatanet } from "@/lib/datanets/api";
import { marketplaceContext } from "@/lib/datanets/context";
import { handle, readJsonBody } from "@/lib/http";

/** Confirms a datanet publication: `{ txHash, metadata? }`; stores it once the receipt matches its draft. */
export async function POST(request: Request) {
  return handle(async () => confirmDatanet(await marketplaceContext(), await readJsonBody(request)), 201);
}
