import { datanetDetail } from "@/lib/datanets/api";
import { handle } from "@/lib/http";
import { processServer } from "@/lib/server/root";

/** One datanet with its contributions (on-chain order) and the models that draw on it. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => datanetDetail(await processServer().marketplace(), (await params).id));
}
