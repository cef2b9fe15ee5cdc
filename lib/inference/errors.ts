/**
 * Why the gateway refused an inference before any money was held: one class per reason, each
 * with a stable `code` and the HTTP status the API answers with.
 */

/** Base of the gateway's own refusals. */
export abstract class InferenceError extends Error {
  /** Stable machine-readable code. */
  abstract readonly code: string;
  /** HTTP status the API answers with. */
  abstract readonly status: number;
  /** The request field the error is about, if any (OpenAI's `param`). */
  readonly param: string | null;

  constructor(message: string, param: string | null = null) {
    super(message);
    this.name = new.target.name;
    this.param = param;
  }
}

/** No model with this id (or the name is not a marketplace model id). */
export class ModelNotFoundError extends InferenceError {
  readonly code = "MODEL_NOT_FOUND";
  readonly status = 404;
  constructor(readonly model: string) {
    super(`The model '${model}' does not exist. Model names are "upstream-<id>" (see GET /api/v1/models).`, "model");
  }
}

/** The model exists but its owner paused or retired it. */
export class ModelInactiveError extends InferenceError {
  readonly code = "MODEL_INACTIVE";
  readonly status = 409;
  constructor(readonly model: string, readonly modelStatus: string) {
    super(`The model '${model}' is ${modelStatus} and does not accept inferences.`, "model");
  }
}

/** The conversation is longer than the server's limit (`MAX_PROMPT_CHARS`). */
export class PromptTooLongError extends InferenceError {
  readonly code = "PROMPT_TOO_LONG";
  readonly status = 400;
  constructor(readonly length: number, readonly limit: number) {
    super(`The messages hold ${length} characters, more than the limit of ${limit}.`, "messages");
  }
}

/** The request is malformed: not JSON, wrong types, no user message. */
export class InvalidInferenceRequestError extends InferenceError {
  readonly code: string = "INVALID_REQUEST";
  readonly status = 400;
}

/** The body is not valid JSON. */
export class MalformedJsonError extends InvalidInferenceRequestError {
  override readonly code = "INVALID_JSON";
  constructor() {
    super("The request body is not valid JSON.");
  }
}

/** No `Authorization: Bearer <api key>` header. */
export class MissingApiKeyError extends InferenceError {
  readonly code = "API_KEY_MISSING";
  readonly status = 401;
  constructor() {
    super("Send your Upstream API key as 'Authorization: Bearer <key>'. Create one in the app's dashboard.");
  }
}
