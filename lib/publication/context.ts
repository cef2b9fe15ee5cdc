/**
 * What a route handler needs to publish and contribute: the database, a read client on the
 * deployment's chain, the deployed registry and token, and the drafts awaiting confirmation.
 * The server root (`lib/server/root.ts`, `marketplace()`) builds it.
 */
import type { Address } from "viem";
import type { DbOrTransaction } from "@/db/client";
import type { ChainReader } from "./chain";
import type { DraftStores } from "./drafts";

/** The database, chain, contracts and drafts one request works against. */
export type MarketplaceContext = {
  /** The app database. */
  db: DbOrTransaction;
  /** Read client on the marketplace's chain. */
  client: ChainReader;
  /** The UpstreamRegistry address. */
  registry: Address;
  /** The payment token stakes are posted in. */
  token: Address;
  /** The base URL each backend key may be sent to, by key name (`BACKEND_URL_<NAME>`); a model draft must respect it. */
  backendKeyUrls: Readonly<Record<string, string>>;
  /** The server's drafts awaiting their wallet transaction (kept across requests). */
  drafts: DraftStores;
};
