import { datanetList, draftDatanet } from "@/lib/datanets/api";
import { handle, readJsonBody } from "@/lib/http";
import { processServer } from "@/lib/server/root";

/** Every datanet with its contribution, record and contributor counts. */
export async function GET() {
  return handle(async () => datanetList(await processServer().marketplace()));
}

/** Drafts a datanet publication: `{ name, description?, license }` → metadata URI, minimum stake and the call to send. */
export async function POST(request: Request) {
  return handle(async () => draftDatanet(await processServer().marketplace(), await readJsonBody(request)));
}
