/** Test support: the publish context a route gets from the server root, over a test chain and database. */
import type { DbOrTransaction } from "@/db/client";
import type { MarketFixture } from "@/lib/chain/fixture";
import type { MarketplaceContext } from "./context";
import { createDraftStores } from "./drafts";

/** The context of `chain`'s registry and token over `db`, with drafts of its own (and no backend keys unless given). */
export function publicationContextFor(
  chain: MarketFixture,
  db: DbOrTransaction,
  backendKeyUrls: Readonly<Record<string, string>> = {},
): MarketplaceContext {
  return {
    db,
    client: chain.client,
    registry: chain.deployment.registry,
    token: chain.deployment.token,
    backendKeyUrls,
    drafts: createDraftStores(),
  };
}
