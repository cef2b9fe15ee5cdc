/**
 * Why a payment step refused: one class per reason, each with a stable `code` and the HTTP status
 * the API answers with. Every route turns them into the same body with {@link toErrorBody}.
 */

/** Extra values that explain an error; they are sent to the client beside `code` and `message`. */
export type PaymentErrorDetails = Record<string, string | number | boolean | null>;

/** Base of every payment refusal. */
export abstract class PaymentError extends Error {
  /** Stable machine-readable code, e.g. `PERMIT_EXPIRED`. */
  abstract readonly code: string;
  /** HTTP status the API answers with. */
  abstract readonly status: number;
  /** Values that explain the refusal (amounts as decimal strings). */
  readonly details: PaymentErrorDetails;

  constructor(message: string, details: PaymentErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
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

/** Why a permit was refused as invalid. */
export type PermitInvalidReason =
  | "BAD_SIGNATURE"
  | "WRONG_CHAIN"
  | "WRONG_CONTRACT"
  | "WRONG_SPENDER"
  | "NONCE_REUSED"
  | "MALFORMED";

/** A permit that can never be used: bad signature, wrong chain/contract/spender, replayed nonce. */
export class PermitInvalidError extends PaymentError {
  readonly code = "PERMIT_INVALID";
  readonly status = 400;
  constructor(
    message: string,
    /** Which check failed. */
    readonly reason: PermitInvalidReason,
    details: PaymentErrorDetails = {},
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

/** A request body larger than the API accepts. */
export class RequestTooLargeError extends PaymentError {
  readonly code = "REQUEST_TOO_LARGE";
  readonly status = 413;
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

/** The JSON error body every route answers with. */
export type ErrorBody = {
  error: { code: string; message: string } & PaymentErrorDetails;
};

/**
 * The JSON body for any error: a `PaymentError` (or any error with a string `code`) keeps its
 * code, message and details; anything else becomes `INTERNAL_ERROR` without leaking its message.
 */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof PaymentError) {
    return { error: { ...err.details, code: err.code, message: err.message } };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === "string" && /^[A-Z][A-Z0-9_]+$/.test(code)) {
    return { error: { code, message: err.message } };
  }
  return { error: { code: "INTERNAL_ERROR", message: "internal error" } };
}

/** The HTTP status for any error: a `PaymentError`'s own, an error's numeric `status` if it has one, else 500. */
export function errorStatus(err: unknown): number {
  if (err instanceof PaymentError) return err.status;
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === "number" && status >= 400 && status < 600 ? status : 500;
}
