/**
 * Drafts held between "prepare" and "confirm" of a browser publish: the server computes what
 * the wallet must anchor, keeps the content, and stores it only once the chain confirms it.
 * Kept in memory by the server that drafted them (keys are content hashes, so a lost draft is
 * re-sent by the client with its confirmation and verified the same way).
 */

/** Options of a DraftStore. */
export type DraftStoreOptions = {
  /** How long a draft is kept, in ms (default one hour). */
  ttlMs?: number;
  /** Most drafts kept; the oldest go first (default 1,000). */
  maxEntries?: number;
};

/** A bounded, expiring map of drafts. */
export class DraftStore<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: DraftStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60 * 60 * 1000;
    this.maxEntries = options.maxEntries ?? 1_000;
  }

  /** Keeps `value` under `key`, replacing an earlier draft with the same key. */
  put(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
    // A Map iterates in insertion order: the first keys are the oldest.
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  /** The draft under `key`, unless it expired. */
  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Forgets the draft under `key`. */
  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** The drafts of one server's publication flows: a store per flow, made on first use. */
export type DraftStores = {
  /** The store named `name` (each flow names its own). */
  of<T>(name: string): DraftStore<T>;
};

/** Empty draft stores; the server root builds one set per server, a test its own. */
export function createDraftStores(options: DraftStoreOptions = {}): DraftStores {
  const stores = new Map<string, DraftStore<unknown>>();
  return {
    of<T>(name: string) {
      let store = stores.get(name);
      if (!store) {
        store = new DraftStore<unknown>(options);
        stores.set(name, store);
      }
      return store as DraftStore<T>;
    },
  };
}
