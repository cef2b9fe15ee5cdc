/**
 * What the browse pages read (`/`, `/models`, `/datanets`): one page of search results with its
 * total, from the query string as given. A bad query string comes back as its problems, for the
 * page to show; it never reaches the database.
 */
import { formatUnits } from "viem";
import * as search from "@/db/search";
import { modelUsage } from "@/lib/marketplace/inferences";
import type { MarketplaceSource } from "@/lib/marketplace/source";
import { toDatanetSummary, toModelSummary } from "@/lib/marketplace/summaries";
import type { DatanetSummary, ModelSummary } from "@/lib/marketplace/types";
import { TOKEN_DECIMALS } from "@/lib/web/format";
import {
  type DatanetSearch,
  datanetSearchSchema,
  InvalidSearchError,
  type ModelSearch,
  modelSearchSchema,
  PAGE_SIZE,
  pageCount,
  pageWindow,
  parseSearch,
  type RawSearchParams,
} from "./params";

/** A page of results, or why the query string could not be used. */
export type Browse<Search, Item> =
  | {
      ok: true;
      /** The query as validated (page 1 when none was given). */
      search: Search;
      /** The sort applied: the one asked for, else relevance with words to search for, else popular. */
      sort: string;
      /** The query string values to keep in links (amounts back in tUSD, blanks left out). */
      params: Record<string, string | undefined>;
      items: Item[];
      /** Results in all. */
      total: number;
      pageCount: number;
      pageSize: number;
    }
  | { ok: false; problems: { param: string; message: string }[] };

/** A model in the results, with its distinct independent payers and their settled revenue. */
export type BrowseModel = ModelSummary & { payerCount: number; revenue: bigint; tags: string[] };

/** A datanet in the results, with its independent payers (through its models) and tags. */
export type BrowseDatanet = DatanetSummary & { payerCount: number; earned: bigint; tags: string[] };

const tusd = (amount: bigint | undefined) => (amount === undefined ? undefined : formatUnits(amount, TOKEN_DECIMALS));

function refusal(error: unknown): { ok: false; problems: { param: string; message: string }[] } {
  if (error instanceof InvalidSearchError) return { ok: false, problems: error.problems };
  throw error;
}

/** A page of models for the query string `raw`. */
export async function browseModels(source: MarketplaceSource, raw: RawSearchParams): Promise<Browse<ModelSearch, BrowseModel>> {
  let query: ModelSearch;
  try {
    query = parseSearch(modelSearchSchema, raw);
  } catch (error) {
    return refusal(error);
  }
  const sort = query.sort ?? (query.q ? "relevance" : "popular");
  const found = await search.searchModels(source.db, {
    ...pageWindow(query.page),
    q: query.q,
    datanetId: query.datanet,
    license: query.license,
    status: query.status,
    backend: query.backend,
    minPrice: query.minPrice,
    maxPrice: query.maxPrice,
    sort,
  });
  const usage = await modelUsage(
    source,
    found.rows.map((m) => m.id),
  );
  return {
    ok: true,
    search: query,
    sort,
    params: {
      q: query.q,
      datanet: query.datanet?.toString(),
      license: query.license,
      status: query.status,
      backend: query.backend,
      minPrice: tusd(query.minPrice),
      maxPrice: tusd(query.maxPrice),
      sort: query.sort,
    },
    items: found.rows.map((m) => ({
      ...toModelSummary(m, usage.get(m.id)),
      payerCount: m.payerCount,
      revenue: m.revenue,
      tags: m.tags,
    })),
    total: found.total,
    pageCount: pageCount(found.total),
    pageSize: PAGE_SIZE,
  };
}

/** A page of datanets for the query string `raw`. */
export async function browseDatanets(source: MarketplaceSource, raw: RawSearchParams): Promise<Browse<DatanetSearch, BrowseDatanet>> {
  let query: DatanetSearch;
  try {
    query = parseSearch(datanetSearchSchema, raw);
  } catch (error) {
    return refusal(error);
  }
  const sort = query.sort ?? (query.q ? "relevance" : "popular");
  const found = await search.searchDatanets(source.db, { ...pageWindow(query.page), q: query.q, license: query.license, sort });
  return {
    ok: true,
    search: query,
    sort,
    params: { q: query.q, license: query.license, sort: query.sort },
    items: found.rows.map((d) => ({ ...toDatanetSummary(d), payerCount: d.payerCount, earned: d.earned, tags: d.tags })),
    total: found.total,
    pageCount: pageCount(found.total),
    pageSize: PAGE_SIZE,
  };
}

/** The choices of the browse filters: every licence in use, every datanet. */
export async function browseFilters(source: MarketplaceSource): Promise<{
  licenses: { license: string; count: number }[];
  datanets: { id: string; name: string }[];
}> {
  const [licenses, datanets] = await Promise.all([search.datanetLicenses(source.db), search.datanetNames(source.db)]);
  return { licenses, datanets: datanets.map((d) => ({ id: d.id.toString(), name: d.name })) };
}
