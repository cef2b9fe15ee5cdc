/**
 * Why the gateway refused an inference before any money was held: one class per reason, each
 * with a stable `code` and the HTTP status the API answers with (see lib/errors.ts).
 */
import { UpstreamError } from "@/lib/errors";

/** Base of the gateway's own refusals; `param` names the request field (OpenAI's `param`). */
export abstract class InferenceError extends UpstreamError {
  constructor(message: string, param: string | null = null) {
    super(message, { param });
  }
}

/** The model exists but its owner paused or retired it. */
export class ModelInactiveError extends InferenceError {
  readonly code = "MODEL_INACTIVE";
  readonly status = 409;
  constructor(
    readonly model: string,
    readonly modelStatus: string,
  ) {
    super(`The model '${model}' is ${modelStatus} and does not accept inferences.`, "model");
  }
}

/** The conversation is longer than the server's limit (`MAX_PROMPT_CHARS`). */
export class PromptTooLongError extends InferenceError {
  readonly code = "PROMPT_TOO_LONG";
  readonly status = 400;
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`The messages hold ${length} characters, more than the limit of ${limit}.`, "messages");
  }
}

/** The request is malformed: wrong types, no user message. */
export class InvalidInferenceRequestError extends InferenceError {
  readonly code = "INVALID_REQUEST";
  readonly status = 400;
}

/** No `Authorization: Bearer <api key>` header. */
export class MissingApiKeyError extends InferenceError {
  readonly code = "API_KEY_MISSING";
  readonly status = 401;
  constructor() {
    super("Send your Upstream API key as 'Authorization: Bearer <key>'. Create one in the app's dashboard.");
  }
}

/**
 * The model's owner share plus the market's protocol fee exceed 100%: no split of its price can
 * exist, so it is refused before anything is held or any output is produced.
 */
export class ModelTermsInvalidError extends InferenceError {
  readonly code = "MODEL_TERMS_INVALID";
  readonly status = 409;
  constructor(
    readonly model: string,
    readonly ownerShareBps: number,
    readonly protocolFeeBps: number,
  ) {
    super(
      `The model '${model}' gives its owner ${ownerShareBps} bps and the market takes ${protocolFeeBps} bps: more than 100% of the price, so it cannot be served.`,
      "model",
    );
  }
}

/**
 * The model's card sends the unexplained pool to the treasury, and this server knows no treasury
 * address to pay: refused before anything is held.
 */
export class ModelTreasuryUnknownError extends InferenceError {
  readonly code = "MODEL_TREASURY_UNKNOWN";
  readonly status = 409;
  constructor(readonly model: string) {
    super(`The model '${model}' pays what its data does not explain to the treasury, and this server knows no treasury address.`, "model");
  }
}

/** A streamed answer was cut off before its hold expired (the client read too slowly); the output delivered so far is charged. */
export class AnswerCutOffError extends InferenceError {
  readonly code = "ANSWER_CUT_OFF";
  readonly status = 408;
  constructor() {
    super("The answer was cut off: it could not finish before its payment hold expired, and the output sent so far was charged.");
  }
}
