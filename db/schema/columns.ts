/** Column types shared by every schema file. */
import { customType, text } from "drizzle-orm/pg-core";

/**
 * A uint256 amount or id: numeric(78,0) in SQL (78 digits hold 2^256 - 1), bigint in
 * TypeScript. Drivers hand numerics over as strings, so nothing passes through a float.
 */
export const uint256 = customType<{ data: bigint; driverData: string }>({
  dataType: () => "numeric(78, 0)",
  toDriver: (value) => value.toString(),
  fromDriver: (value) => BigInt(value),
});

/** A 20-byte address, stored lowercase so that equality is plain string equality. */
export const address = (name: string) => text(name).$type<`0x${string}`>();

/** A 32-byte hash or a transaction hash, lowercase hex. */
export const bytes32 = (name: string) => text(name).$type<`0x${string}`>();

/**
 * A full-text search document (PostgreSQL `tsvector`), read by `@@` against a `tsquery`. The app
 * never reads it back: it is a generated column, indexed with GIN.
 */
export const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });
