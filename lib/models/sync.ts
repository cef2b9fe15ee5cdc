/**
 * Keeps the app's model rows in step with the registry. The gateway prices and admits an
 * inference from the database; the chain changes a model's price, split and status with
 * `ModelUpdated` (the owner's `updateModel`, or retirement by unstaking or a slash). The
 * follower reads those events from the block after the last one it read and applies each as a
 * newer version, so a replayed event changes nothing and an older one never rolls a model back.
 *
 * If the chain no longer has the block the follower stopped at (a reorganisation, or a local
 * chain started afresh), event versions cannot be trusted to only grow: it then overwrites every
 * stored model with what the registry holds now and follows on from the chain's head.
 */
import { BaseError, type Block, ContractFunctionRevertedError } from "viem";
import type { DbOrTransaction } from "@/db/client";
import {
  type ChainCursor,
  getChainCursor,
  listModels,
  type ModelTermsUpdate,
  replaceModelTerms,
  saveChainCursor,
  updateModelTerms,
} from "@/db/marketplace";
import { upstreamRegistryAbi } from "@/lib/chain/abis";
import type { RegistryConnection } from "@/lib/publication/chain";
import { modelStatusOf } from "./status";

/** The cursor's name in `chain_cursors`. */
export const MODEL_UPDATES_STREAM = "model-updates";

/** Parameters of {@link syncModelUpdates}. */
export type SyncModelUpdatesParameters = RegistryConnection & {
  /** The app's database. */
  db: DbOrTransaction;
  /** Where to start when nothing was read yet: the deployment's first block. */
  startBlock: bigint;
  /** Most blocks one log query spans (default 5,000; public RPCs cap it). */
  maxBlockRange?: bigint;
};

/** What one {@link syncModelUpdates} did. */
export type SyncModelUpdatesResult = {
  /** The blocks read (inclusive), or null when no block was new. */
  blocks: { from: bigint; to: bigint } | null;
  /** `ModelUpdated` events read. */
  events: number;
  /** Models whose row changed, in the order they changed. */
  changed: bigint[];
  /** True when the last block read was gone and the models were re-read from the registry. */
  restarted: boolean;
};

/** A model's current terms and status as the registry holds them now (`getModel`). */
export async function readModelTerms({ client, registry }: RegistryConnection, modelId: bigint): Promise<ModelTermsUpdate> {
  const model = await client.readContract({ address: registry, abi: upstreamRegistryAbi, functionName: "getModel", args: [modelId] });
  return { price: model.pricePerCall, ownerShareBps: model.ownerBps, status: modelStatusOf(model.status), version: Number(model.version) };
}

/** Reads the `ModelUpdated` events since the last call and applies them to the model rows. */
export async function syncModelUpdates(params: SyncModelUpdatesParameters): Promise<SyncModelUpdatesResult> {
  const { db, client, registry } = params;
  const maxRange = params.maxBlockRange ?? 5_000n;
  const head = await client.getBlock({ blockTag: "latest" });
  const cursor = await getChainCursor(db, MODEL_UPDATES_STREAM, registry);
  const at = (block: Pick<Block, "number" | "hash">): ChainCursor => ({
    stream: MODEL_UPDATES_STREAM,
    contract: registry,
    blockNumber: block.number!,
    blockHash: block.hash!,
  });

  if (cursor && !(await stillOnChain(params, cursor, head))) {
    const changed = await replaceFromRegistry(params);
    await saveChainCursor(db, at(head));
    return { blocks: null, events: 0, changed, restarted: true };
  }

  const from = cursor ? cursor.blockNumber + 1n : params.startBlock;
  if (from > head.number!) return { blocks: null, events: 0, changed: [], restarted: false };
  const result: SyncModelUpdatesResult = { blocks: { from, to: head.number! }, events: 0, changed: [], restarted: false };
  for (let start = from; start <= head.number!; start += maxRange) {
    const end = start + maxRange - 1n < head.number! ? start + maxRange - 1n : head.number!;
    const logs = await client.getContractEvents({
      address: registry,
      abi: upstreamRegistryAbi,
      eventName: "ModelUpdated",
      fromBlock: start,
      toBlock: end,
      strict: true,
    });
    for (const { args } of logs) {
      result.events++;
      const terms = {
        price: args.pricePerCall,
        ownerShareBps: args.ownerBps,
        status: modelStatusOf(args.status),
        version: Number(args.version),
      };
      if (await updateModelTerms(db, args.modelId, terms)) result.changed.push(args.modelId);
    }
    await saveChainCursor(db, at(end === head.number! ? head : await client.getBlock({ blockNumber: end })));
  }
  return result;
}

async function stillOnChain({ client }: RegistryConnection, cursor: ChainCursor, head: Block): Promise<boolean> {
  if (cursor.blockNumber > head.number!) return false;
  const block = cursor.blockNumber === head.number ? head : await client.getBlock({ blockNumber: cursor.blockNumber });
  return block.hash === cursor.blockHash;
}

/** Overwrites every stored model with the registry's current terms; skips models it does not know. */
async function replaceFromRegistry(params: SyncModelUpdatesParameters): Promise<bigint[]> {
  const changed: bigint[] = [];
  for (const model of await listModels(params.db)) {
    let terms;
    try {
      terms = await readModelTerms(params, model.id);
    } catch (error) {
      // A chain started afresh may not hold this model (yet): nothing to say about it.
      if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError)) continue;
      throw error;
    }
    if (await replaceModelTerms(params.db, model.id, terms)) changed.push(model.id);
  }
  return changed;
}

/** What the background follower reports. */
export type ModelSyncEvent = { type: "synced"; result: SyncModelUpdatesResult } | { type: "error"; error: unknown };

/** Parameters of {@link createModelSync}. */
export type CreateModelSyncParameters = SyncModelUpdatesParameters & {
  /** Pause between two reads of the chain, in ms (default 1,000). */
  intervalMs?: number;
  /** Called after every read, and with each error (the follower keeps going). */
  onEvent?: (event: ModelSyncEvent) => void;
};

/** A background follower of the registry's model updates. */
export type ModelSync = {
  /** Starts following (idempotent). */
  start(): void;
  /** Stops, after the read in progress (if any) has finished. */
  stop(): Promise<void>;
  /** One read now, outside the loop's schedule. */
  syncOnce(): Promise<SyncModelUpdatesResult>;
};

/** Creates the follower; `start()` runs {@link syncModelUpdates} every `intervalMs`. */
export function createModelSync(parameters: CreateModelSyncParameters): ModelSync {
  const intervalMs = parameters.intervalMs ?? 1_000;
  const emit = parameters.onEvent ?? (() => undefined);
  // One read at a time: two would race on the cursor.
  let queue: Promise<unknown> = Promise.resolve();
  const syncOnce = () => {
    const next = queue.then(() => syncModelUpdates(parameters));
    queue = next.catch(() => undefined);
    return next;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  const tick = async () => {
    try {
      emit({ type: "synced", result: await syncOnce() });
    } catch (error) {
      emit({ type: "error", error });
    }
    if (running) timer = setTimeout(tick, intervalMs);
  };
  return {
    start() {
      if (running) return;
      running = true;
      void tick();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await queue;
    },
    syncOnce,
  };
}
