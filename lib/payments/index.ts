/**
 * Payments: spend permits, API keys and balance holds. The gateway calls `authorize` before a
 * model runs (the price is fixed then), `release` when nothing should be charged, and `commit`
 * when the answer is complete — which stores the inference and enqueues it for settlement.
 */
export * from "./types";
export * from "./errors";
export { SessionInvalidError } from "./sessions";
export { apiKeyCreationMessage, apiKeyRevocationMessage, type ApiKeyCreationFields } from "./messages";
export { createPayments } from "./payments";
