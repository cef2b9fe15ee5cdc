/**
 * Versions of the engine. Every proof names the version that made it, and a proof made by an
 * earlier version must still verify: each behaviour a version changed is one switch below,
 * read by the code it changes, so the earlier computation stays reachable.
 */

/** Every version this code can compute, oldest first. */
export const ENGINE_VERSIONS = ["upstream-attribution/1", "upstream-attribution/2"] as const;

/** One of {@link ENGINE_VERSIONS}. */
export type EngineVersion = (typeof ENGINE_VERSIONS)[number];

/** The version new attributions are made with. */
export const ENGINE_VERSION: EngineVersion = "upstream-attribution/2";

/** The first version (before the gaming defences). */
export const ENGINE_VERSION_1: EngineVersion = "upstream-attribution/1";

/** Whether `value` names a version this code can compute. */
export function isEngineVersion(value: unknown): value is EngineVersion {
  return typeof value === "string" && (ENGINE_VERSIONS as readonly string[]).includes(value);
}

/**
 * What a version does. Version 1 is the engine before the gaming defences; version 2 adds them,
 * one switch per defence (see docs/attribution.md, "Gaming and defences").
 */
export type EngineBehaviour = {
  /** The version these switches describe. */
  version: EngineVersion;
  /**
   * Quote laundering, extension and splicing (spans.ts): each output token's credit goes to the
   * earliest-published original record holding a match of at least `minSpanTokens` that covers
   * it, instead of being shared by every holder of the longest covering match.
   */
  earliestHolderCredit: boolean;
  /**
   * Diluting a source's influence (influence.ts): an output token the retrieved records explain
   * counts for the earliest of the records explaining it, instead of for none when two do.
   */
  earliestContextInfluence: boolean;
  /**
   * Unexplained pool (attribute.ts, split.ts): the contributors' pool is paid in proportion to the
   * share of the output the data explains; the rest, what the cap holds back and shares under
   * `minInfluence` go to the declared `unexplainedPool` recipient as an explicit "unexplained"
   * part, instead of renormalising the credited records' shares to the whole pool and sharing the
   * cap's excess among the other contributors.
   */
  explainedPool: boolean;
  /**
   * Dodging exact spans (gapped.ts): an output that chops a record into exact pieces shorter than
   * `minSpanTokens` with a few words between is credited to that record by an order-preserving
   * chain of short matches.
   */
  gappedMatching: boolean;
  /**
   * Index level. Terms drop Unicode format and default-ignorable characters (zero-width spaces,
   * soft hyphens, joiners, BOM, variation selectors) inside a word, and fold lookalike letters
   * (Cyrillic, Greek, … confusable with Latin, per UTS #39) to Latin (`normalize.ts`).
   */
  normalizeTerms: boolean;
  /**
   * Index level. A record whose tokens are at least `copyContainment` covered by long runs
   * (`containmentSpanTokens`) of earlier records is a copy of the record it draws most from
   * (`containment.ts`), besides the Jaccard check.
   */
  containmentCopies: boolean;
  /**
   * A span's value counts only its informative tokens: tokens inside phrases that are frequent in
   * general English (the reference, `informativeness.ts`) or stock chatbot phrases earn nothing.
   */
  referenceInformativeness: boolean;
  /** Output tokens that repeat the prompt (a run of at least `minSpanTokens`) earn nothing. */
  promptEcho: boolean;
  /**
   * Commonness within the datanet counts only the holders up to and including the first one: a
   * span's first holder keeps its value however many later records repeat it.
   */
  firstHolderRarity: boolean;
  /**
   * Wash trading (attribute.ts): a contributor who is the inference's payer (`input.payer`) gets
   * no data-pool share from it; that share is unexplained, paid per the declared policy.
   */
  selfPaidExcluded: boolean;
};

const VERSION_2 = new Set<EngineVersion>(["upstream-attribution/2"]);

/** The switches of `version`. */
export function behaviourOf(version: EngineVersion): EngineBehaviour {
  const on = VERSION_2.has(version);
  return {
    version,
    earliestHolderCredit: on,
    earliestContextInfluence: on,
    explainedPool: on,
    gappedMatching: on,
    normalizeTerms: on,
    containmentCopies: on,
    referenceInformativeness: on,
    promptEcho: on,
    firstHolderRarity: on,
    selfPaidExcluded: on,
  };
}
