import { processServer } from "@/lib/server/root";
import { handle } from "@/lib/http";
import { modelDetail } from "@/lib/models/api";

/** One model with its terms and datanets. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => modelDetail(await processServer().marketplace(), (await params).id));
}
