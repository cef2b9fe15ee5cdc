import { processServer } from "@/lib/server/root";
import { handle, readJsonBody } from "@/lib/datanets/http";
import { confirmModel } from "@/lib/models/api";
import { z } from "zod";

/** Confirms a model publication: `{ txHash, metadata? }`; stores it once the receipt matches its draft. */
export async function POST(request: Request) {
  return handle(async () => confirmModel(await processServer().marketplace(), await readJsonBody(request, z.unknown())), 201);
}
