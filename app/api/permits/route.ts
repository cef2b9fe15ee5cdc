import { getPermits, postPermit } from "@/lib/payments/api";
import { sharedPayments } from "@/lib/server/payments";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Registers a signed spend permit. */
export function POST(request: Request): Promise<Response> {
  return postPermit(request, sharedPayments());
}

/** A payer's permits: `?payer=0x…`. */
export function GET(request: Request): Promise<Response> {
  return getPermits(request, sharedPayments());
}
