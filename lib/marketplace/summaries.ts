import type * as data from "@/db/marketplace";
import type { ModelUsage } from "./inferences";
import type { DatanetSummary, ModelSummary } from "./types";

/** A datanet row with its counts, as the pages show it. */
export function toDatanetSummary(row: data.DatanetSummary): DatanetSummary {
  return {
    id: row.id.toString(),
    name: row.name,
    description: row.description,
    license: row.license,
    publisher: row.owner,
    contributionCount: row.contributionCount,
    recordCount: row.recordCount,
    contributorCount: row.contributorCount,
    createdAt: row.createdAt,
  };
}

function describeBackend(model: data.Model): string {
  return model.backendKind === "builtin" ? "built-in engine" : `OpenAI-compatible: ${model.backendModel ?? "unnamed"}`;
}

/** A model row and its usage, as the pages show it. */
export function toModelSummary(model: data.Model, usage: ModelUsage | undefined): ModelSummary {
  return {
    id: model.id.toString(),
    name: model.name,
    description: model.description,
    owner: model.owner,
    backend: describeBackend(model),
    pricePerCall: model.price,
    ownerShareBps: model.ownerShareBps,
    datanetIds: model.datanetIds.map(String),
    status: null,
    version: model.version,
    inferenceCount: usage?.inferenceCount ?? 0,
  };
}
