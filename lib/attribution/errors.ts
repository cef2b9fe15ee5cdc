/** Base class of every error the attribution engine throws; `code` is stable for APIs. */
export class AttributionError extends Error {
  /** Stable machine-readable code, e.g. `UNKNOWN_RECORD`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A record failed validation (bad id, contributor address or size). */
export class InvalidRecordError extends AttributionError {
  constructor(
    message: string,
    /** Position of the offending record in the input, when known. */
    readonly position?: number,
  ) {
    super("INVALID_RECORD", message);
  }
}

/** Two records share one id. */
export class DuplicateRecordIdError extends AttributionError {
  constructor(readonly recordId: string) {
    super("DUPLICATE_RECORD_ID", `record id ${JSON.stringify(recordId)} appears twice`);
  }
}

/** A context record id is not in the index. */
export class UnknownRecordError extends AttributionError {
  constructor(readonly recordId: string) {
    super("UNKNOWN_RECORD", `record ${JSON.stringify(recordId)} is not in the index`);
  }
}

/** The attribution parameters (price, shares, policy) are out of range. */
export class InvalidAttributionInputError extends AttributionError {
  constructor(message: string) {
    super("INVALID_INPUT", message);
  }
}

/** Serialized index bytes are not a valid index (bad magic, version or truncated). */
export class CorruptIndexError extends AttributionError {
  constructor(message: string) {
    super("CORRUPT_INDEX", message);
  }
}

/** An older snapshot of an index was extended after a newer one already was. */
export class IndexForkedError extends AttributionError {
  constructor() {
    super("INDEX_FORKED", "this index snapshot was already extended; extend the latest snapshot (or deserialize a copy)");
  }
}
