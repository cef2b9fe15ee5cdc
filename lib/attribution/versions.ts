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
};

/** The switches of `version`. */
export function behaviourOf(version: EngineVersion): EngineBehaviour {
  return { version };
}
