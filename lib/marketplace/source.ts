import { sharedDb, type DbOrTransaction } from "@/db/client";

/** Where the marketplace reads come from; tests pass their own database. */
export type MarketplaceSource = {
  /** The app database (datanets, models, records, inferences). */
  db: DbOrTransaction;
};

/** The given source, or the process's shared, migrated database. */
export async function marketplaceSource(source?: MarketplaceSource): Promise<MarketplaceSource> {
  return source ?? { db: (await sharedDb()).db };
}
