import { z } from "zod";
import { handle, parseInput } from "@/lib/http";
import { getEarnings } from "@/lib/marketplace/earnings";
import { processServer } from "@/lib/server/root";
import type { AccountEarningsAnswer } from "@/lib/wire/earnings";
import { addressSchema } from "@/lib/wire/primitives";

const querySchema = z.object({
  address: addressSchema,
  before: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

/** A payee's earnings, live from the indexer: totals and credits newest first (amounts as decimal strings). */
export async function GET(request: Request, { params }: { params: Promise<{ address: string }> }) {
  return handle(async (): Promise<AccountEarningsAnswer> => {
    const search = new URL(request.url).searchParams;
    const query = parseInput(querySchema, {
      address: (await params).address,
      before: search.get("before") ?? undefined,
      limit: search.get("limit") ?? undefined,
    });
    return getEarnings(await processServer().source(), query.address, { before: query.before, limit: query.limit });
  });
}
