/**
 * The query strings of the browse pages (`/models?q=whale&sort=earning&page=2`), validated with
 * zod: every value is checked before it reaches a query, and a bad one becomes a message for the
 * page (never a 500). Empty values, as a GET form sends for fields left blank, mean "any".
 */
import { parseUnits } from "viem";
import { z } from "zod";
import { UpstreamError } from "@/lib/errors";
import { TOKEN_DECIMALS } from "@/lib/web/format";
import { onChainIdSchema } from "@/lib/wire/primitives";

/** Results per page on every browse page. */
export const PAGE_SIZE = 20;
/** The longest search a page accepts, in characters. */
export const MAX_QUERY_LENGTH = 200;
/** The highest page number accepted (20 × 10,000 results is more than anyone pages through). */
export const MAX_PAGE = 10_000;

/** A query string value that cannot be used; `problems` names each bad parameter. */
export class InvalidSearchError extends UpstreamError {
  readonly code = "INVALID_SEARCH";
  readonly status = 400;
  constructor(readonly problems: { param: string; message: string }[]) {
    super(`Invalid search: ${problems.map((p) => `${p.param} ${p.message}`).join("; ")}`, { param: problems[0]?.param ?? null });
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A UTF-16 surrogate without its pair: not text, and PostgreSQL cannot store it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Words to search for: trimmed, at most MAX_QUERY_LENGTH characters of well-formed text without control characters. */
const querySchema = z
  .string()
  .trim()
  .max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`)
  .refine((v) => !LONE_SURROGATE.test(v), "must be valid text")
  .refine((v) => !CONTROL.test(v), "must not contain control characters")
  .optional();

const pageSchema = z
  .string()
  .regex(/^[1-9]\d{0,4}$/, "must be a page number from 1")
  .transform(Number)
  .refine((v) => v <= MAX_PAGE, `must be at most ${MAX_PAGE}`)
  .default(1);

/** An amount in tUSD as typed ("0.002", "1.5"), converted exactly to token base units. */
const priceSchema = z
  .string()
  .trim()
  .regex(/^\d{1,15}(\.\d{1,6})?$/, `must be an amount in tUSD with at most ${TOKEN_DECIMALS} decimals, e.g. 0.002`)
  .transform((v) => parseUnits(v, TOKEN_DECIMALS))
  .optional();

const licenseSchema = z
  .string()
  .trim()
  .max(200, "must be at most 200 characters")
  .refine((v) => !LONE_SURROGATE.test(v) && !CONTROL.test(v), "must be valid text")
  .optional();

/** The query of `/models` (and the model half of `/`). */
export const modelSearchSchema = z
  .strictObject({
    q: querySchema,
    datanet: onChainIdSchema.optional(),
    license: licenseSchema,
    status: z.enum(["active", "paused", "retired"], "must be active, paused or retired").optional(),
    backend: z.enum(["builtin", "openai"], "must be builtin or openai").optional(),
    minPrice: priceSchema,
    maxPrice: priceSchema,
    sort: z.enum(["relevance", "popular", "newest", "earning", "price"], "must be relevance, popular, newest, earning or price").optional(),
    page: pageSchema,
  })
  .refine((v) => v.minPrice === undefined || v.maxPrice === undefined || v.minPrice <= v.maxPrice, {
    path: ["maxPrice"],
    message: "must not be below minPrice",
  });

/** The query of `/datanets`. */
export const datanetSearchSchema = z.strictObject({
  q: querySchema,
  license: licenseSchema,
  sort: z
    .enum(["relevance", "popular", "newest", "earning", "records"], "must be relevance, popular, newest, earning or records")
    .optional(),
  page: pageSchema,
});

/** The query of `/datanets/[id]/records`. */
export const recordSearchSchema = z.strictObject({ q: querySchema, page: pageSchema });

/** What `/models` asks for. */
export type ModelSearch = z.output<typeof modelSearchSchema>;
/** What `/datanets` asks for. */
export type DatanetSearch = z.output<typeof datanetSearchSchema>;
/** What `/datanets/[id]/records` asks for. */
export type RecordSearch = z.output<typeof recordSearchSchema>;

/** A page's `searchParams` as Next.js hands them over, or a URLSearchParams. */
export type RawSearchParams = Record<string, string | string[] | undefined> | URLSearchParams;

/**
 * Validates a query string with `schema`: blank values are dropped, a parameter given twice or
 * unknown is refused. Throws InvalidSearchError naming every bad parameter.
 */
export function parseSearch<S extends z.ZodType>(schema: S, raw: RawSearchParams): z.output<S> {
  const entries = raw instanceof URLSearchParams ? [...raw.keys()].map((k) => [k, raw.getAll(k)] as const) : Object.entries(raw);
  const values: Record<string, string> = {};
  const problems: { param: string; message: string }[] = [];
  for (const [key, value] of entries) {
    const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
    if (list.length > 1) problems.push({ param: key, message: "is given more than once" });
    else if (list[0] !== undefined && list[0].trim() !== "") values[key] = list[0];
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) problems.push({ param: key, message: "is not a search parameter here" });
      } else {
        problems.push({ param: String(issue.path[0] ?? "query"), message: issue.message });
      }
    }
  }
  if (problems.length > 0 || !parsed.success) throw new InvalidSearchError(problems);
  return parsed.data;
}

/** Offset and limit of page `page`. */
export function pageWindow(page: number): { limit: number; offset: number } {
  return { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
}

/** How many pages `total` results fill (at least 1, so "page 1 of 1" reads right when empty). */
export function pageCount(total: number): number {
  return Math.max(1, Math.ceil(total / PAGE_SIZE));
}

/**
 * The URL of `path` with `params` as its query string, leaving out empty values and page 1:
 * the links of the pager and the sort choices.
 */
export function searchHref(path: string, params: Record<string, string | number | bigint | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === "" || (key === "page" && Number(value) === 1)) continue;
    query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
