import { datanetRecords } from "@/lib/datanets/api";
import { marketplaceContext } from "@/lib/datanets/context";
import { handle } from "@/lib/http";

/** A page of the datanet's records in on-chain order: `?limit=50&afterContribution=ID&afterPosition=N`. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => datanetRecords(await marketplaceContext(), (await params).id, new URL(request.url).searchParams));
}
