/**
 * Indexes rebuilt for recent verifications, by datanets and record count. Records are
 * append-only in on-chain order, so the first N records of a set of datanets never change: an
 * index built once serves every later inference proved over the same N. The server root keeps
 * one cache (in its `source()`); a few indexes are kept, as they can be large.
 */
import type { DatanetIndex } from "@/lib/attribution";

/** A small least-recently-used cache of rebuilt indexes; see {@link createVerifyIndexCache}. */
export type VerifyIndexCache = {
  /** The index kept under `key`, else `build()`'s, kept in place of the least recently used. */
  get(key: string, build: () => DatanetIndex): DatanetIndex;
};

/** Options of {@link createVerifyIndexCache}. */
export type VerifyIndexCacheOptions = {
  /** Most indexes kept (default 4). */
  maxEntries?: number;
};

/** An empty cache of rebuilt indexes. */
export function createVerifyIndexCache({ maxEntries = 4 }: VerifyIndexCacheOptions = {}): VerifyIndexCache {
  const indexes = new Map<string, DatanetIndex>();
  return {
    get(key, build) {
      const hit = indexes.get(key);
      if (hit) {
        // A Map iterates in insertion order: moving a hit to the end keeps the oldest first.
        indexes.delete(key);
        indexes.set(key, hit);
        return hit;
      }
      const index = build();
      indexes.set(key, index);
      while (indexes.size > maxEntries) indexes.delete(indexes.keys().next().value!);
      return index;
    },
  };
}
