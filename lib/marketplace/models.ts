import type { ModelDetail, ModelSummary } from "./types";

/** Every published model, newest first. */
export async function listModels(): Promise<ModelSummary[]> {
  return [];
}

/** One model with its datanets and latest inferences; null if unknown. */
export async function getModel(id: string): Promise<ModelDetail | null> {
  void id;
  return null;
}
