import type { InferenceSummary } from "./types";

/** The latest paid inferences across the marketplace, newest first. */
export async function listRecentInferences(limit = 50): Promise<InferenceSummary[]> {
  void limit;
  return [];
}
