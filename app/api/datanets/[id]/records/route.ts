import { datanetRecords } from "@/lib/datanets/api";
import { handle } from "@/lib/http";
import { processServer } from "@/lib/server/root";

/** A page of the datanet's records in on-chain order: `?limit=50&afterContribution=ID&afterPosition=N`. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => datanetRecords(await processServer().marketplace(), (await params).id, new URL(request.url).searchParams));
}
