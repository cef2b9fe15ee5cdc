import * as data from "@/db/marketplace";
import { CONTEXT_ABLATION_CALLS } from "@/lib/inference/gateway";
import { listRecentInferences, modelUsage } from "./inferences";
import { fromIndexer, type MarketplaceSource } from "./source";
import { toDatanetSummary, toModelSummary } from "./summaries";
import type { ModelDetail, ModelSummary } from "./types";

/** How many inferences a model page lists. */
const RECENT_INFERENCES = 10;

/** Every published model, newest first. */
export async function listModels(source: MarketplaceSource): Promise<ModelSummary[]> {
  const [models, usage, indexed] = await Promise.all([
    data.listModels(source.db),
    modelUsage(source),
    fromIndexer(source, (indexer) => indexer.listModels()),
  ]);
  const onChain = new Map(indexed?.map((m) => [m.id, m]));
  return models.reverse().map((m) => toModelSummary(m, usage.get(m.id), onChain.get(m.id)));
}

/** One model with its datanets and latest inferences; null if unknown. */
export async function getModel(source: MarketplaceSource, id: bigint): Promise<ModelDetail | null> {
  const model = await data.getModel(source.db, id);
  if (!model) return null;
  const [usage, indexed, datanets, recentInferences] = await Promise.all([
    modelUsage(source, [id]),
    fromIndexer(source, (indexer) => indexer.getModel(id)),
    Promise.all(model.datanetIds.map((datanetId) => data.getDatanet(source.db, datanetId))),
    listRecentInferences(source, { modelId: id, limit: RECENT_INFERENCES }),
  ]);
  return {
    ...toModelSummary(model, usage.get(id), indexed?.model),
    modelCard: model.modelCard,
    unexplainedPool: model.unexplainedPool ?? "owner",
    answersWithoutRecords: model.backendKind === "openai" && model.answersWithoutRecords,
    ablationCalls: model.backendKind === "openai" && model.contextAblation ? CONTEXT_ABLATION_CALLS : 0,
    datanets: datanets.filter((d) => d !== undefined).map(toDatanetSummary),
    // Revenue as the chain credited it, when the indexer can say; else what the settler recorded.
    revenue: indexed?.model.revenue ?? usage.get(id)?.revenue ?? 0n,
    recentInferences,
  };
}
