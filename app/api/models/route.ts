import { handle, readJsonBody } from "@/lib/http";
import { draftModel, modelList } from "@/lib/models/api";
import { processServer } from "@/lib/server/root";

/** Every model with the datanets it draws on. */
export async function GET() {
  return handle(async () => modelList(await processServer().marketplace()));
}

/** Drafts a model publication: `{ metadata: { name, description?, modelCard?, backend }, terms: { price, ownerShareBps, datanetIds, stake } }`. */
export async function POST(request: Request) {
  return handle(async () => draftModel(await processServer().marketplace(), await readJsonBody(request)));
}
