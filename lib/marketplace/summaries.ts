import type * as data from "@/db/marketplace";
import type { IndexedModel } from "@/lib/indexer/client";
import type { ModelUsage } from "./inferences";
import type { DatanetSummary, ModelSummary } from "./types";

/** A datanet row with its counts, as the pages show it. */
export function toDatanetSummary(row: data.DatanetSummary): DatanetSummary {
  return {
    id: row.id.toString(),
    name: row.name,
    description: row.description,
    license: row.license,
    licenseUrl: row.licenseUrl ?? null,
    tags: row.tags,
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

/** A model row, its usage and what the indexer knows of it (terms, status), as the pages show it. */
export function toModelSummary(model: data.Model, usage: ModelUsage | undefined, indexed?: IndexedModel): ModelSummary {
  return {
    id: model.id.toString(),
    name: model.name,
    description: model.description,
    owner: model.owner,
    backend: describeBackend(model),
    datanetIds: model.datanetIds.map(String),
    // The chain's terms win over the database's copy once the indexer has seen a newer version.
    pricePerCall: indexed && indexed.version >= model.version ? indexed.pricePerCall : model.price,
    ownerShareBps: indexed && indexed.version >= model.version ? indexed.ownerBps : model.ownerShareBps,
    status: indexed && indexed.version >= model.version ? indexed.status : model.status,
    version: Math.max(model.version, indexed?.version ?? 0),
    inferenceCount: usage?.inferenceCount ?? 0,
  };
}
