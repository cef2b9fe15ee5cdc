/**
 * Payments: spend permits, API keys and balance holds. The gateway calls `authorize` before a
 * model runs (the price is fixed then), `release` when nothing should be charged, and `commit`
 * when the answer is complete — which stores the inference and enqueues it for settlement.
 */

export * from "./errors";
export { type ApiKeyCreationFields, apiKeyCreationMessage, apiKeyRevocationMessage } from "./messages";
export { createPayments, PAYMENT_DEFAULTS } from "./payments";
export { SessionInvalidError } from "./sessions";
export * from "./types";
