import { getPermits, postPermit } from "@/lib/payments/api";
import { processServer } from "@/lib/server/root";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Registers a signed spend permit. */
export function POST(request: Request): Promise<Response> {
  return postPermit(request, processServer().payments());
}

/** A payer's permits: `?payer=0x…`. */
export function GET(request: Request): Promise<Response> {
  return getPermits(request, processServer().payments());
}
