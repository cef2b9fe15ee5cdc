/**
 * The playground's session keys: a browser signs one spend permit whose nonce is keccak256 of a
 * random 32-byte key it keeps, and pays each request by sending that key with the permit id.
 * The key is a bearer secret bound to one permit, like an API key, without a second signature.
 */
import { eq } from "drizzle-orm";
import { type Address, getAddress, type Hex, keccak256 } from "viem";
import { spendPermits } from "@/db/schema/payments";
import type { PaymentsContext } from "./context";
import { PaymentError } from "./errors";

/** The session key does not hash to the permit's nonce (or the permit is not there). */
export class SessionInvalidError extends PaymentError {
  readonly code = "SESSION_INVALID";
  readonly status = 401;
}

/** The payer of `permitId` if `sessionKey` is its session key; otherwise SessionInvalidError. */
export async function payerOfSession(ctx: Pick<PaymentsContext, "db">, permitId: string, sessionKey: Hex): Promise<Address> {
  const [permit] = await ctx.db
    .select({ payer: spendPermits.payer, nonce: spendPermits.nonce })
    .from(spendPermits)
    .where(eq(spendPermits.id, permitId));
  if (!permit || permit.nonce !== BigInt(keccak256(sessionKey))) {
    throw new SessionInvalidError("this session key does not belong to that permit: sign a new spend permit");
  }
  return getAddress(permit.payer);
}
