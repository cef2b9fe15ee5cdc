import { datanetList, draftDatanet } from "@/lib/datanets/api";
import { marketplaceContext } from "@/lib/datanets/context";
import { handle, readJsonBody } from "@/lib/http";

/** Every datanet with its contribution, record and contributor counts. */
export async function GET() {
  return handle(async () => datanetList(await marketplaceContext()));
}

/** Drafts a datanet publication: `{ name, description?, license }` → metadata URI, minimum stake and the call to send. */
export async function POST(request: Request) {
  return handle(async () => draftDatanet(await marketplaceContext(), await readJsonBody(request)));
}
