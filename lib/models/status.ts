/**
 * A model's status as the Registry keeps it: `ModelStatus { Active, Paused, Retired }`. The
 * owner pauses and resumes with `updateModel`; unstaking or a slash retires it for good. Every
 * change emits `ModelUpdated(modelId, version, pricePerCall, ownerBps, status)`.
 */
// Type imports only: the indexer (indexer/src) imports this file, and Ponder bundles it without the "@/" alias.
import type { ModelStatus } from "@/db/marketplace";

export type { ModelStatus };

/** The Registry's `ModelStatus` values in enum order: index = the value on chain. */
export const MODEL_STATUSES = ["active", "paused", "retired"] as const satisfies readonly ModelStatus[];

/** The chain sent a status this app does not know (a registry newer than the app). */
export class UnknownModelStatusError extends Error {
  readonly code = "UNKNOWN_MODEL_STATUS";
  constructor(readonly value: number) {
    super(`The registry reported model status ${value}, which this app does not know`);
    this.name = "UnknownModelStatusError";
  }
}

/** The status named by the Registry's enum value. */
export function modelStatusOf(value: number): ModelStatus {
  const status = MODEL_STATUSES[value];
  if (status === undefined) throw new UnknownModelStatusError(value);
  return status;
}

/** The Registry's enum value of a status (what `updateModel` takes). */
export function registryStatusValue(status: ModelStatus): number {
  return MODEL_STATUSES.indexOf(status);
}
