import { handle } from "@/lib/http";
import { modelDetail } from "@/lib/models/api";
import { processServer } from "@/lib/server/root";

/** One model with its terms and datanets. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => modelDetail(await processServer().marketplace(), (await params).id));
}
