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
};

/** The switches of `version`. */
export function behaviourOf(version: EngineVersion): EngineBehaviour {
  const v2 = version !== ENGINE_VERSION_1;
  return {
    version,
    normalizeTerms: v2,
    containmentCopies: v2,
    referenceInformativeness: v2,
    promptEcho: v2,
    firstHolderRarity: v2,
  };
}
