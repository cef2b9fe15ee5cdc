/**
 * Errors of publishing and contributing. Each has a stable `code` and the HTTP status the API
 * answers with, so a route handler turns any of them into `{ error: { code, message } }`.
 */

/** A failure a caller can act on; `status` is the HTTP status the API answers with. */
export class MarketplaceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A request body or parameter that does not match its schema (or is not valid JSON/UTF-8). */
export class InvalidInputError extends MarketplaceError {
  constructor(message: string, code = "INVALID_INPUT") {
    super(code, message, 400);
  }
}

/** Records that cannot be contributed: empty, too large, not valid UTF-8, too many. */
export class InvalidRecordsError extends MarketplaceError {
  constructor(message: string) {
    super("INVALID_RECORDS", message, 400);
  }
}

/** No datanet with this id is stored. */
export class DatanetNotFoundError extends MarketplaceError {
  constructor(readonly datanetId: bigint) {
    super("DATANET_NOT_FOUND", `No datanet ${datanetId} is published`, 404);
  }
}

/** No model with this id is stored. */
export class ModelNotFoundError extends MarketplaceError {
  constructor(readonly modelId: bigint) {
    super("MODEL_NOT_FOUND", `No model ${modelId} is published`, 404);
  }
}

/** No record at this position of this contribution. */
export class RecordNotFoundError extends MarketplaceError {
  constructor(datanetId: bigint, contributionId: bigint, position: number) {
    super("RECORD_NOT_FOUND", `Contribution ${contributionId} of datanet ${datanetId} has no record ${position}`, 404);
  }
}

/** The transaction is not (yet) mined on the configured chain. */
export class TransactionNotFoundError extends MarketplaceError {
  constructor(readonly txHash: string) {
    super("TRANSACTION_NOT_FOUND", `Transaction ${txHash} is not mined on this chain (yet); retry once it is confirmed`, 404);
  }
}

/** The transaction was mined but reverted. */
export class TransactionRevertedError extends MarketplaceError {
  constructor(readonly txHash: string) {
    super("TRANSACTION_REVERTED", `Transaction ${txHash} reverted`, 422);
  }
}

/** The transaction did not emit the expected registry event (e.g. it called another contract). */
export class EventNotFoundError extends MarketplaceError {
  constructor(
    readonly txHash: string,
    readonly eventName: string,
  ) {
    super("EVENT_NOT_FOUND", `Transaction ${txHash} emitted no ${eventName} event from the Upstream registry`, 422);
  }
}

/** The on-chain event does not match what was drafted (root, count, contributor, metadata…). */
export class ReceiptMismatchError extends MarketplaceError {
  constructor(message: string) {
    super("RECEIPT_MISMATCH", message, 422);
  }
}

/** A confirm names a transaction whose draft this server does not hold and the body did not resend. */
export class DraftNotFoundError extends MarketplaceError {
  constructor(what: string) {
    super("DRAFT_NOT_FOUND", `No draft for ${what}: draft it again (or send its content with the confirmation)`, 404);
  }
}

/** The server has no deployment or cannot reach the chain. */
export class ChainUnavailableError extends MarketplaceError {
  constructor(message: string) {
    super("CHAIN_UNAVAILABLE", message, 503);
  }
}
