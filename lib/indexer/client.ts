/**
 * Typed reads of indexed chain data over the indexer's JSON API (indexer/src/api). Every
 * response is validated (the chain is external input) and amounts come back as bigint.
 */
import type { Address } from "viem";
import { z } from "zod";
import { UpstreamError } from "@/lib/errors";
import { type Parsed, responses } from "./wire";

export type { Parsed } from "./wire";

/** A datanet as indexed. */
export type IndexedDatanet = Parsed<"datanets">["datanets"][number];
/** A datanet with its contributions and contributors. */
export type IndexedDatanetDetail = Parsed<"datanet">;
/** A model with its current terms. */
export type IndexedModel = Parsed<"models">["models"][number];
/** A model with every version of its terms. */
export type IndexedModelDetail = Parsed<"model">;
/** A payee's totals and a page of per-inference credits, newest first. */
export type IndexedEarnings = Parsed<"earnings">;
/** One settled inference with its payouts. */
export type IndexedSettlement = Parsed<"settlement">["settlement"];
/** A page of settlements, newest first. */
export type IndexedSettlements = Parsed<"settlements">;
/** A payer's deposit. */
export type IndexedDeposit = Parsed<"deposit">["deposit"];
/** How much of a spend permit has been charged. */
export type IndexedPermitSpend = Parsed<"permit">["permit"];
/** Marketplace-wide totals. */
export type IndexedStats = Parsed<"stats">["stats"];

/** Where a page starts and how long it is. */
export interface PageOptions {
  /** Rows per page, 1-200 (default 50). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  before?: string;
}

/** The indexer cannot be reached, timed out or failed (5xx). */
export class IndexerUnavailableError extends UpstreamError {
  readonly code = "INDEXER_UNAVAILABLE";
  readonly status = 503;
}

/** The indexer answered with something that is not the documented shape. */
export class IndexerResponseError extends UpstreamError {
  readonly code = "INDEXER_BAD_RESPONSE";
  readonly status = 502;
}

/** The indexer refused the request (4xx other than a missing item); `code` is the indexer's. */
export class IndexerRequestError extends UpstreamError {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The indexer did not reach a block in time. */
export class IndexerTimeoutError extends UpstreamError {
  readonly code = "INDEXER_TIMEOUT";
  readonly status = 504;
}

/** Options of {@link createIndexerClient}. */
export interface IndexerClientOptions {
  /** Base URL of the indexer (the configuration's `indexerUrl`). */
  url: string;
  /** Longest a request may take, in ms (default 10,000). */
  timeoutMs?: number;
}

/** Reads of the indexer's API; see each method. */
export interface IndexerClient {
  /** Base URL requests go to. */
  readonly url: string;
  /** Every datanet, by id. */
  listDatanets(): Promise<IndexedDatanet[]>;
  /** One datanet with its contributions and contributors; null when not indexed. */
  getDatanet(id: bigint): Promise<IndexedDatanetDetail | null>;
  /** Every model with its current terms, by id. */
  listModels(): Promise<IndexedModel[]>;
  /** One model with its versions; null when not indexed. */
  getModel(id: bigint): Promise<IndexedModelDetail | null>;
  /** A payee's totals (zero if never credited) and a page of its credits, newest first. */
  getEarnings(payee: Address, page?: PageOptions): Promise<IndexedEarnings>;
  /** The settlement of an inference with its payouts; null until it is settled and indexed. */
  getSettlement(inferenceId: bigint): Promise<IndexedSettlement | null>;
  /** A page of settlements, newest first, optionally of one model or one payer. */
  listSettlements(page?: PageOptions & { model?: bigint; payer?: Address }): Promise<IndexedSettlements>;
  /** A payer's deposit (zero if it never deposited). */
  getDeposit(payer: Address): Promise<IndexedDeposit>;
  /** How much of a payer's permit `nonce` has been charged (zero if never). */
  getPermitSpend(payer: Address, nonce: bigint): Promise<IndexedPermitSpend>;
  /** Marketplace-wide totals. */
  getStats(): Promise<IndexedStats>;
  /** Whether historical indexing is complete (Ponder's /ready). */
  isReady(): Promise<boolean>;
  /** The last block the indexer has processed, or null before the first. */
  indexedBlock(): Promise<bigint | null>;
  /** Resolves once the indexer has processed `blockNumber` (e.g. a receipt's), polling until `timeoutMs` (default 30 s). */
  waitForBlock(blockNumber: bigint, options?: { timeoutMs?: number; intervalMs?: number }): Promise<void>;
}

const statusSchema = z.record(z.string(), z.object({ id: z.number(), block: z.object({ number: z.number().int().nonnegative() }) }));

/** A client for the indexer at `options.url`. */
export function createIndexerClient(options: IndexerClientOptions): IndexerClient {
  const base = options.url.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function request(path: string): Promise<Response> {
    try {
      return await fetch(`${base}${path}`, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
    } catch (cause) {
      throw new IndexerUnavailableError(`Indexer at ${base} is unreachable (${path}): ${(cause as Error).message}`, { cause });
    }
  }

  async function read<K extends keyof typeof responses>(path: string, kind: K, missing: "null"): Promise<Parsed<K> | null>;
  async function read<K extends keyof typeof responses>(path: string, kind: K): Promise<Parsed<K>>;
  async function read<K extends keyof typeof responses>(path: string, kind: K, missing?: "null"): Promise<Parsed<K> | null> {
    const response = await request(path);
    if (response.status >= 500) throw new IndexerUnavailableError(`Indexer at ${base} failed on ${path}: HTTP ${response.status}`);
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new IndexerResponseError(`Indexer answered ${path} with HTTP ${response.status} and no JSON`);
    }
    if (!response.ok) {
      const error = responses.error.safeParse(body);
      if (response.status === 404 && missing === "null" && error.success && error.data.error.code !== "ROUTE_NOT_FOUND") return null;
      if (error.success) throw new IndexerRequestError(error.data.error.code, error.data.error.message, response.status);
      throw new IndexerResponseError(`Indexer answered ${path} with HTTP ${response.status}`);
    }
    const parsed = responses[kind].safeParse(body);
    if (!parsed.success) throw new IndexerResponseError(`Indexer answer to ${path} is malformed: ${z.prettifyError(parsed.error)}`);
    return parsed.data as Parsed<K>;
  }

  const query = (params: Record<string, string | number | bigint | undefined>) => {
    const entries = Object.entries(params).filter((e): e is [string, string | number | bigint] => e[1] !== undefined);
    return entries.length ? `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)]))}` : "";
  };

  const client: IndexerClient = {
    url: base,
    listDatanets: async () => (await read("/datanets", "datanets")).datanets,
    getDatanet: (id) => read(`/datanets/${id}`, "datanet", "null"),
    listModels: async () => (await read("/models", "models")).models,
    getModel: (id) => read(`/models/${id}`, "model", "null"),
    getEarnings: (payee, page = {}) => read(`/payees/${payee}/earnings${query({ limit: page.limit, before: page.before })}`, "earnings"),
    getSettlement: async (inferenceId) => (await read(`/inferences/${inferenceId}/settlement`, "settlement", "null"))?.settlement ?? null,
    listSettlements: (page = {}) =>
      read(`/settlements${query({ limit: page.limit, before: page.before, model: page.model, payer: page.payer })}`, "settlements"),
    getDeposit: async (payer) => (await read(`/payers/${payer}/deposit`, "deposit")).deposit,
    getPermitSpend: async (payer, nonce) => (await read(`/permits/${payer}/${nonce}`, "permit")).permit,
    getStats: async () => (await read("/stats", "stats")).stats,
    isReady: async () => {
      try {
        return (await request("/ready")).status === 200;
      } catch {
        return false;
      }
    },
    indexedBlock: async () => {
      const response = await request("/status");
      if (!response.ok) throw new IndexerUnavailableError(`Indexer at ${base} has no status: HTTP ${response.status}`);
      const parsed = statusSchema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) throw new IndexerResponseError(`Indexer status is malformed: ${z.prettifyError(parsed.error)}`);
      const blocks = Object.values(parsed.data).map((chain) => BigInt(chain.block.number));
      return blocks.length ? blocks.reduce((a, b) => (a < b ? a : b)) : null;
    },
    async waitForBlock(blockNumber, { timeoutMs: limit = 30_000, intervalMs = 100 } = {}) {
      const deadline = Date.now() + limit;
      for (;;) {
        const indexed = await client.indexedBlock().catch(() => null);
        if (indexed !== null && indexed >= blockNumber) return;
        if (Date.now() > deadline) {
          throw new IndexerTimeoutError(
            `Indexer at ${base} has not reached block ${blockNumber} after ${limit} ms (at ${indexed ?? "none"})`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    },
  };
  return client;
}
