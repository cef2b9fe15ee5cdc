/**
 * Group commit: callers submit one item each and get their own result, while the work runs in
 * batches — at most one batch in flight per runner, and everything that arrived meanwhile goes
 * into the next one. Under load, N concurrent payments cost one database transaction instead of N;
 * when idle, an item runs at once (no timer, no added latency).
 */

/** The outcome of one item of a batch: its value, or the error that refuses it alone. */
export type ItemResult<O> = { ok: true; value: O } | { ok: false; error: unknown };

/** Runs a batch; returns one result per item, in order. A throw fails every item of the batch. */
export type BatchWork<I, O> = (items: readonly I[]) => Promise<readonly ItemResult<O>[]>;

type Waiting<I, O> = { item: I; resolve: (value: O) => void; reject: (error: unknown) => void };

/** Submits an item; resolves with its result once its batch ran. */
export type GroupRunner<I, O> = {
  run(item: I): Promise<O>;
  /** Items waiting or running. */
  readonly size: number;
};

/** A runner that batches `work`, at most `maxBatch` items at a time. */
export function createGroupRunner<I, O>(
  work: BatchWork<I, O>,
  options: { maxBatch?: number; onIdle?: () => void } = {},
): GroupRunner<I, O> {
  const maxBatch = options.maxBatch ?? 256;
  const queue: Waiting<I, O>[] = [];
  let running = 0;
  // Set and cleared synchronously, so an item that arrives as the last batch ends is never stranded.
  let active = false;

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        running = batch.length;
        try {
          const results = await work(batch.map((w) => w.item));
          if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${results.length} results`);
          batch.forEach((w, i) => {
            const r = results[i];
            if (r.ok) w.resolve(r.value);
            else w.reject(r.error);
          });
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
        running = 0;
      }
    } finally {
      active = false;
      options.onIdle?.();
    }
  }

  return {
    run(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (!active) {
          active = true;
          void drain();
        }
      });
    },
    get size() {
      return queue.length + running;
    },
  };
}

/** Group runners by key (a payer, say): batches of one key run one at a time, keys in parallel. */
export type KeyedGroupRunner<I, O> = {
  run(key: string, item: I): Promise<O>;
  /** Keys with a runner (idle ones are dropped). */
  readonly keys: number;
};

/** One group runner per key, dropped when it goes idle. */
export function createKeyedGroupRunner<I, O>(
  work: (key: string, items: readonly I[]) => Promise<readonly ItemResult<O>[]>,
  options: { maxBatch?: number } = {},
): KeyedGroupRunner<I, O> {
  const runners = new Map<string, GroupRunner<I, O>>();
  return {
    run(key: string, item: I): Promise<O> {
      let runner = runners.get(key);
      if (!runner) {
        const created: GroupRunner<I, O> = createGroupRunner<I, O>((items) => work(key, items), {
          ...options,
          onIdle: () => {
            if (runners.get(key) === created && created.size === 0) runners.delete(key);
          },
        });
        runner = created;
        runners.set(key, runner);
      }
      return runner.run(item);
    },
    get keys(): number {
      return runners.size;
    },
  };
}
