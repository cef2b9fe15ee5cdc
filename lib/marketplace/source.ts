import { sharedDb, type DbOrTransaction } from "@/db/client";
import { config } from "@/lib/config";
import { createIndexerClient, type IndexerClient } from "@/lib/indexer/client";

/** Where the marketplace reads come from; tests pass their own. */
export type MarketplaceSource = {
  /** The app database (datanets, models, records, inferences). */
  db: DbOrTransaction;
  /** The indexer's API (on-chain state: model status, stakes, earnings), or null where there is none. */
  indexer: IndexerClient | null;
};

// A page waits this long at most for the indexer before showing what the database alone knows.
const INDEXER_TIMEOUT_MS = 3_000;

let indexer: { url: string; client: IndexerClient } | undefined;

/** The given source, or the process's shared, migrated database and its configured indexer. */
export async function marketplaceSource(source?: MarketplaceSource): Promise<MarketplaceSource> {
  if (source) return source;
  const settings = config();
  if (indexer?.url !== settings.indexerUrl) {
    indexer = { url: settings.indexerUrl, client: createIndexerClient({ url: settings.indexerUrl, timeoutMs: INDEXER_TIMEOUT_MS }) };
  }
  return { db: (await sharedDb(settings)).db, indexer: indexer.client };
}

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
