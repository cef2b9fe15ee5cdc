/**
 * The copy check a contribution gets before it is published (the marketplace runs it in the
 * browser to warn and on the server to refuse): for each new text, the share of its tokens that
 * earlier records of the index already hold in long runs (containment, `containment.ts`).
 * Pure and read-only: the index is not changed (its gram table may be built on first use).
 */
import { containmentOf, winnow } from "./containment";
import { type DatanetIndex, encodeText, gramTableOf, recordAt, recordTokensOf } from "./datanet-index";

/** What `checkContribution` says of one text. */
export type ContributionCheck = {
  /**
   * `copy`: at least `copyContainment` (0.8) of its tokens are in runs of at least
   * `containmentSpanTokens` (12) tokens found in earlier records, so the index would treat it as
   * a copy earning nothing; `near-copy`: at least `nearCopyContainment` (0.5); else `original`.
   */
  verdict: "copy" | "near-copy" | "original";
  /** Share of the text's tokens covered by earlier records, in [0, 1] (0 for a text without words). */
  containment: number;
  /** The earlier records it draws from and how many of its tokens each covers, most first. */
  copies: { id: string; tokens: number }[];
};

/**
 * Checks new texts against the records of `index` (each text on its own: texts of the same call
 * are not compared with each other). Tokens are read as the index's engine reads them, so zero-width
 * characters and lookalike letters do not hide a copy from a version 2 index.
 */
export function checkContribution(index: DatanetIndex, texts: readonly string[]): ContributionCheck[] {
  const { copyContainment, nearCopyContainment, containmentSpanTokens } = index.options;
  const table = gramTableOf(index);
  return texts.map((text) => {
    const own = encodeText(index, text).ids;
    const found = containmentOf(own, winnow(own, containmentSpanTokens), index.recordCount, table, containmentSpanTokens, (r) =>
      recordTokensOf(index, r),
    );
    const containment = own.length === 0 ? 0 : found.covered / own.length;
    const verdict = containment >= copyContainment ? "copy" : containment >= nearCopyContainment ? "near-copy" : "original";
    return { verdict, containment, copies: found.sources.map((s) => ({ id: recordAt(index, s.record).id, tokens: s.tokens })) };
  });
}
