/**
 * What `/datanets/[id]/records` reads: a page of the datanet's records (searched by full text
 * when asked), each with its contributor, contribution, on-chain position, Merkle proof link and
 * what it earned; and the datanet's contributors with their records and earnings.
 */
import type { Address, Hex } from "viem";
import { getDatanet } from "@/db/marketplace";
import * as search from "@/db/search";
import type { MarketplaceSource } from "@/lib/marketplace/source";
import { toDatanetSummary } from "@/lib/marketplace/summaries";
import type { DatanetSummary } from "@/lib/marketplace/types";
import type { Browse } from "./browse";
import {
  InvalidSearchError,
  PAGE_SIZE,
  pageCount,
  pageWindow,
  parseSearch,
  type RawSearchParams,
  type RecordSearch,
  recordSearchSchema,
} from "./params";

/** The runs of a `ts_headline` excerpt: plain text, and the matches it marked. */
export function excerptOf(headline: string): { text: string; match: boolean }[] {
  const runs: { text: string; match: boolean }[] = [];
  for (const [i, part] of headline.split(new RegExp(`[${search.MATCH_START}${search.MATCH_END}]`)).entries()) {
    // Parts alternate: outside a match, inside one. A stray marker in a record only misplaces a highlight.
    if (part) runs.push({ text: part, match: i % 2 === 1 });
  }
  return runs;
}

/** One record as the records page lists it. */
export type RecordItem = {
  /** `<contributionId>:<position>`, as attribution proofs name it. */
  id: string;
  /** The registry's contribution id that anchored it. */
  contributionId: string;
  /** Its leaf index in the contribution's Merkle tree. */
  position: number;
  contributor: Address;
  text: string;
  /** With a search: the passages that match, as runs of text, `match` where a search word was found. */
  excerpt: { text: string; match: boolean }[] | null;
  /** keccak256 of the text: the Merkle leaf input. */
  hash: Hex;
  /** The transaction that anchored its contribution. */
  transactionHash: Hex;
  /** The API path of its Merkle proof against the root the registry holds. */
  proofHref: string;
  /** What it earned in settled inferences, in token base units (its share of its contributor's payouts, by score). */
  earned: bigint;
  /** Settled inferences that credited it. */
  creditCount: number;
};

/** One contributor of the datanet. */
export type ContributorItem = {
  contributor: Address;
  contributionCount: number;
  recordCount: number;
  /** What its records in this datanet earned in settled inferences, in token base units. */
  earned: bigint;
};

/** The records page: the datanet, a page of records (or why the query string was refused) and the contributors. */
export type DatanetRecords = {
  datanet: DatanetSummary;
  records: Browse<RecordSearch, RecordItem>;
  contributors: ContributorItem[];
};

/** The records page of datanet `datanetId`, or null when there is no such datanet. */
export async function browseRecords(source: MarketplaceSource, datanetId: bigint, raw: RawSearchParams): Promise<DatanetRecords | null> {
  const row = await getDatanet(source.db, datanetId);
  if (!row) return null;
  const contributors = await search.datanetContributors(source.db, datanetId);
  let query: RecordSearch;
  try {
    query = parseSearch(recordSearchSchema, raw);
  } catch (error) {
    if (!(error instanceof InvalidSearchError)) throw error;
    return { datanet: toDatanetSummary(row), records: { ok: false, problems: error.problems }, contributors };
  }
  const found = await search.searchRecords(source.db, datanetId, { ...pageWindow(query.page), q: query.q });
  return {
    datanet: toDatanetSummary(row),
    contributors,
    records: {
      ok: true,
      search: query,
      sort: "onchain",
      params: { q: query.q },
      total: found.total,
      pageCount: pageCount(found.total),
      pageSize: PAGE_SIZE,
      items: found.rows.map((r) => ({
        id: `${r.contributionId}:${r.position}`,
        contributionId: r.contributionId.toString(),
        position: r.position,
        contributor: r.contributor,
        text: r.text,
        excerpt: r.headline === null ? null : excerptOf(r.headline),
        hash: r.hash,
        transactionHash: r.txHash,
        proofHref: `/api/datanets/${datanetId}/contributions/${r.contributionId}/proof?position=${r.position}`,
        earned: r.earned,
        creditCount: r.creditCount,
      })),
    },
  };
}
