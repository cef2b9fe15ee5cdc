/**
 * What a route handler needs to publish and contribute: the database, a read client on the
 * deployment's chain, and the deployed registry and token. The server root
 * (`lib/server/root.ts`, `marketplace()`) builds it.
 */
import type { Address } from "viem";
import type { DbOrTransaction } from "@/db/client";
import type { ChainReader } from "./chain";

/** The database, chain and contracts one request works against. */
export type MarketplaceContext = {
  /** The app database. */
  db: DbOrTransaction;
  /** Read client on the marketplace's chain. */
  client: ChainReader;
  /** The UpstreamRegistry address. */
  registry: Address;
  /** The payment token stakes are posted in. */
  token: Address;
};
