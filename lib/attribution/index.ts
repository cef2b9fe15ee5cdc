/** The attribution engine's public surface. */
export * from "./types";
export * from "./errors";
export { tokenize, scanTokens } from "./tokenizer";
export type { Token } from "./tokenizer";
export { buildSuffixArray } from "./suffix-array";
export {
  DEFAULT_INDEX_OPTIONS,
  INDEX_FORMAT,
  addContribution,
  buildIndex,
  createIndex,
  mergeSegments,
  needsMerge,
  recordNumber,
  snapshotId,
} from "./datanet-index";
export type { DatanetIndex, IndexedRecord } from "./datanet-index";
export { retrieve } from "./retrieval";
export type { RetrieveOptions, RetrievedRecord } from "./retrieval";
export { findSpans } from "./spans";
export { splitPrice } from "./split";
export type { SplitPriceParameters } from "./split";
export { canonicalJson } from "./canonical-json";
export { DEFAULT_POLICY, ENGINE_VERSION, attribute, hashProof, resolvePolicy, verifyAttribution } from "./attribute";
export type { AttributeInput } from "./attribute";
export { serializeIndex, deserializeIndex } from "./serialize";
