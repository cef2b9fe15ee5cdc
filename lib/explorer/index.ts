/** The explorer's server side: one inference with its records, split and settlement, and its re-check. */
export * from "./errors";
export { type InferenceFigures, inferenceFigures, type SpanWithDatanets, selfPaidPercent } from "./figures";
export { type InferenceRef, parseInferenceRef } from "./ids";
export {
  type CreditedSpan,
  getInferenceDetail,
  getStoredProof,
  type InferenceDetail,
  type InferenceRecord,
  type SelfPaidShare,
  type SettlementState,
  type SplitRow,
  selfPaidShare,
} from "./inference";
export { type InferenceVerification, type VerifySource, verifyInference } from "./verify";
export { createVerifyIndexCache, type VerifyIndexCache, type VerifyIndexCacheOptions } from "./verify-indexes";
