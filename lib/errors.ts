/**
 * The one base of every refusal the app answers over HTTP. Each domain error extends it with its
 * stable `code` and `status`; the edge (lib/http.ts) writes any of them as
 * `{ error: { code, message, ...details } }` and /api/v1 maps them to OpenAI's error object.
 */

/** Values that explain an error; the JSON answer carries them beside `code` and `message`. */
export type ErrorDetails = Record<string, string | number | boolean | null>;

/** A failure a caller can act on. */
export abstract class UpstreamError extends Error {
  /** Stable machine-readable code, e.g. `PERMIT_EXPIRED`. */
  abstract readonly code: string;
  /** HTTP status the API answers with. */
  abstract readonly status: number;
  /** Values that explain the refusal (amounts as decimal strings). */
  readonly details: ErrorDetails;
  /** The request field the error is about, if any (OpenAI's `param`). */
  readonly param: string | null;

  constructor(message: string, options: { details?: ErrorDetails; param?: string | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? {};
    this.param = options.param ?? null;
  }
}

/** A request body or parameter that cannot be used: not JSON, not UTF-8, too large, or not matching its schema. */
export class InvalidInputError extends UpstreamError {
  constructor(
    message: string,
    /** The route's code for this refusal (`INVALID_INPUT`, `INVALID_JSON`, `REQUEST_TOO_LARGE`…). */
    readonly code = "INVALID_INPUT",
    readonly status = 400,
    options: { details?: ErrorDetails; param?: string | null } = {},
  ) {
    super(message, options);
  }
}
