import type { DatanetDetail, DatanetSummary } from "./types";

/**
 * Every published datanet, newest first.
 * Reads the app database and the indexer; until those are wired in, nothing is published.
 */
export async function listDatanets(): Promise<DatanetSummary[]> {
  return [];
}

/** One datanet with its contributions, a few records and the models that use it; null if unknown. */
export async function getDatanet(id: string): Promise<DatanetDetail | null> {
  void id;
  return null;
}
