import type { DbOrTransaction } from "@/db/client";
import type { IndexerClient } from "@/lib/indexer/client";

/** Where the marketplace reads come from: the server root's `source()`, or a test's own. */
export type MarketplaceSource = {
  /** The app database (datanets, models, records, inferences). */
  db: DbOrTransaction;
  /** The indexer's API (on-chain state: model status, stakes, earnings), or null where there is none. */
  indexer: IndexerClient | null;
};

/**
 * What the indexer says, or null when it cannot say (not running yet, unreachable, failing):
 * listings still render from the database, without the on-chain extras.
 */
export async function fromIndexer<T>(source: MarketplaceSource, read: (indexer: IndexerClient) => Promise<T>): Promise<T | null> {
  if (!source.indexer) return null;
  try {
    return await read(source.indexer);
  } catch (error) {
    console.warn(`indexer read failed: ${(error as Error).message}`);
    return null;
  }
}
