/** The attribution engine's public surface. */

export type { AttributeInput } from "./attribute";
export { attribute, DEFAULT_POLICY, ENGINE_VERSION, hashProof, resolvePolicy, verifyAttribution } from "./attribute";
export { canonicalJson } from "./canonical-json";
export { type ContributionCheck, checkContribution } from "./check-contribution";
export type { DatanetIndex, IndexedRecord } from "./datanet-index";
export {
  addContribution,
  buildIndex,
  createIndex,
  DEFAULT_INDEX_OPTIONS,
  INDEX_FORMAT,
  mergeSegments,
  needsMerge,
  recordNumber,
  snapshotId,
} from "./datanet-index";
export * from "./errors";
export { queryCoverage } from "./relevance";
export type { RetrievedRecord, RetrieveOptions } from "./retrieval";
export { retrieve } from "./retrieval";
export { deserializeIndex, serializeIndex } from "./serialize";
export { findSpans } from "./spans";
export type { SplitPriceParameters } from "./split";
export { splitPrice } from "./split";
export { buildSuffixArray } from "./suffix-array";
export type { Token } from "./tokenizer";
export { scanTokens, tokenize } from "./tokenizer";
export * from "./types";
export { behaviourOf, ENGINE_VERSION_1, ENGINE_VERSIONS, type EngineBehaviour, type EngineVersion, isEngineVersion } from "./versions";
