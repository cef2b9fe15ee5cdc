/**
 * Why a payment step refused: one class per reason, each with a stable `code` and the HTTP status
 * the API answers with; the edge (lib/http.ts) writes them with their details.
 */
import { type ErrorDetails, UpstreamError } from "@/lib/errors";
import type { InputFailure } from "@/lib/http";

/** Base of every payment refusal. */
export abstract class PaymentError extends UpstreamError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { details });
  }
}

/** No usable spend permit: none registered, or none named. */
export class PermitMissingError extends PaymentError {
  readonly code = "PERMIT_MISSING";
  readonly status = 402;
}

/** The permit's expiry has passed (or is too close to settle in time). */
export class PermitExpiredError extends PaymentError {
  readonly code = "PERMIT_EXPIRED";
  readonly status = 402;
}

/** The permit's cap, less what was charged and is held under it, does not cover the price. */
export class PermitExhaustedError extends PaymentError {
  readonly code = "PERMIT_EXHAUSTED";
  readonly status = 402;
}

/** The payer's free deposit on the market does not cover the price. */
export class InsufficientBalanceError extends PaymentError {
  readonly code = "INSUFFICIENT_BALANCE";
  readonly status = 402;
}

/**
 * The payer owes for inferences the market skipped for its doing (a signature that stopped being
 * valid, a permit that lapsed, a deposit taken out): refused until the free deposit covers the
 * debt and the price.
 */
export class PayerInDebtError extends PaymentError {
  readonly code = "PAYER_IN_DEBT";
  readonly status = 402;
}

/** Why a permit was refused as invalid. */
export type PermitInvalidReason = "BAD_SIGNATURE" | "WRONG_CHAIN" | "WRONG_CONTRACT" | "WRONG_SPENDER" | "NONCE_REUSED" | "MALFORMED";

/** A permit that can never be used: bad signature, wrong chain/contract/spender, replayed nonce. */
export class PermitInvalidError extends PaymentError {
  readonly code = "PERMIT_INVALID";
  readonly status = 400;
  constructor(
    message: string,
    /** Which check failed. */
    readonly reason: PermitInvalidReason,
    details: ErrorDetails = {},
  ) {
    super(message, { reason, ...details });
  }
}

/** The API key (or the signature that should create one) is unknown or malformed. */
export class ApiKeyInvalidError extends PaymentError {
  readonly code = "API_KEY_INVALID";
  readonly status = 401;
}

/** The API key was revoked by its payer. */
export class ApiKeyRevokedError extends PaymentError {
  readonly code = "API_KEY_REVOKED";
  readonly status = 401;
}

/** The API key's own spending cap does not cover the price. */
export class SpendCapExceededError extends PaymentError {
  readonly code = "SPEND_CAP_EXCEEDED";
  readonly status = 402;
}

/** A request body or query that does not match its schema. */
export class InvalidRequestError extends PaymentError {
  readonly code = "INVALID_REQUEST";
  readonly status = 400;
}

/** A hold, key or permit id that does not exist (or is not the caller's). */
export class NotFoundError extends PaymentError {
  readonly code = "NOT_FOUND";
  readonly status = 404;
}

/** A hold that was already committed or released. */
export class HoldClosedError extends PaymentError {
  readonly code = "HOLD_CLOSED";
  readonly status = 409;
}

/** An inference whose payouts plus the protocol fee do not add up to its price. */
export class SplitMismatchError extends PaymentError {
  readonly code = "SPLIT_MISMATCH";
  readonly status = 500;
}

/** The payment APIs' refusal of an input that fails its schema: INVALID_REQUEST naming every bad field (also as `fields`). */
export function invalidRequest(failure: InputFailure): InvalidRequestError {
  return new InvalidRequestError(`invalid ${failure.what}: ${failure.summary}`, { fields: failure.summary });
}
