/** The explorer's server side: one inference with its records, split and settlement, and its re-check. */
export * from "./errors";
export { inferenceFigures, selfPaidPercent, type InferenceFigures, type SpanWithDatanets } from "./figures";
export { parseInferenceRef, type InferenceRef } from "./ids";
export { getInferenceDetail, getStoredProof, selfPaidShare, type CreditedSpan, type InferenceDetail, type InferenceRecord, type SelfPaidShare, type SettlementState, type SplitRow } from "./inference";
export { verifyInference, type InferenceVerification } from "./verify";
export { createVerifyIndexCache, type VerifyIndexCache, type VerifyIndexCacheOptions } from "./verify-indexes";
