import { z } from "zod";
import { handle, parseInput } from "@/lib/http";
import { listRecentInferences, payerTotals } from "@/lib/marketplace/inferences";
import { processServer } from "@/lib/server/root";
import type { PayerHistoryWire } from "@/lib/wire/history";
import { addressSchema } from "@/lib/wire/primitives";

const querySchema = z.object({
  address: addressSchema,
  before: z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, "an inference id")
    .transform(BigInt)
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** A payer's own inferences, newest first (`before` pages past the first `limit`), and its totals. */
export async function GET(request: Request, { params }: { params: Promise<{ address: string }> }) {
  return handle(async (): Promise<PayerHistoryWire> => {
    const search = new URL(request.url).searchParams;
    const query = parseInput(querySchema, {
      address: (await params).address,
      before: search.get("before") ?? undefined,
      limit: search.get("limit") ?? undefined,
    });
    const source = await processServer().source();
    const [rows, totals] = await Promise.all([
      listRecentInferences(source, { payer: query.address, before: query.before, limit: query.limit + 1 }),
      payerTotals(source, query.address),
    ]);
    const page = rows.slice(0, query.limit);
    return {
      inferences: page.map((r) => ({
        id: r.id,
        modelId: r.modelId,
        modelName: r.modelName,
        price: r.price.toString(),
        status: r.settlement.status,
        reason: r.settlement.status === "failed" ? r.settlement.reason : null,
        createdAt: r.createdAt.toISOString(),
      })),
      totals: {
        inferences: totals.inferences,
        settled: totals.settled.toString(),
        pending: totals.pending.toString(),
        failed: totals.failed.toString(),
      },
      nextCursor: rows.length > query.limit ? page.at(-1)!.id : null,
    };
  });
}
