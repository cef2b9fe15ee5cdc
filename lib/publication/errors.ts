/**
 * Errors of the publication flow (draft → wallet transaction → confirm): the transaction, its
 * receipt and event, and the draft it confirms. Each has a stable `code` and the HTTP status the
 * API answers with (see lib/errors.ts).
 */
import { UpstreamError } from "@/lib/errors";

/** The transaction is not (yet) mined on the configured chain. */
export class TransactionNotFoundError extends UpstreamError {
  readonly code = "TRANSACTION_NOT_FOUND";
  readonly status = 404;
  constructor(readonly txHash: string) {
    super(`Transaction ${txHash} is not mined on this chain (yet); retry once it is confirmed`);
  }
}

/** The transaction was mined but reverted. */
export class TransactionRevertedError extends UpstreamError {
  readonly code = "TRANSACTION_REVERTED";
  readonly status = 422;
  constructor(readonly txHash: string) {
    super(`Transaction ${txHash} reverted`);
  }
}

/** The transaction did not emit the expected registry event (e.g. it called another contract). */
export class EventNotFoundError extends UpstreamError {
  readonly code = "EVENT_NOT_FOUND";
  readonly status = 422;
  constructor(
    readonly txHash: string,
    readonly eventName: string,
  ) {
    super(`Transaction ${txHash} emitted no ${eventName} event from the Upstream registry`);
  }
}

/** The on-chain event does not match what was drafted (root, count, contributor, metadata…). */
export class ReceiptMismatchError extends UpstreamError {
  readonly code = "RECEIPT_MISMATCH";
  readonly status = 422;
}

/** A confirm names a transaction whose draft this server does not hold and the body did not resend. */
export class DraftNotFoundError extends UpstreamError {
  readonly code = "DRAFT_NOT_FOUND";
  readonly status = 404;
  constructor(what: string) {
    super(`No draft for ${what}: draft it again (or send its content with the confirmation)`);
  }
}

/** The server has no deployment or cannot reach the chain. */
export class ChainUnavailableError extends UpstreamError {
  readonly code = "CHAIN_UNAVAILABLE";
  readonly status = 503;
}
