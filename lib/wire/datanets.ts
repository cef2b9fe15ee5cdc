/**
 * A datanet's metadata as the publish form and `POST /api/datanets` validate it, and the answers
 * of the datanet and contribution drafts the browser parses. Shared by the form (through
 * react-hook-form's zod resolver) and the server (lib/datanets/metadata.ts), so both refuse alike.
 */
import { z } from "zod";
import { addressSchema, bytes32Schema, decimalUint256Schema, onChainIdSchema } from "./primitives";
import { textField } from "./records";

/**
 * The licences the publish form offers, by SPDX id, with "other" (a licence given by URL) last.
 * The API also takes any short licence name (the demo data says "public domain").
 */
export const DATANET_LICENSES = [
  { id: "CC0-1.0", name: "Creative Commons Zero 1.0 (public domain dedication)" },
  { id: "CC-BY-4.0", name: "Creative Commons Attribution 4.0" },
  { id: "CC-BY-SA-4.0", name: "Creative Commons Attribution-ShareAlike 4.0" },
  { id: "CC-BY-NC-4.0", name: "Creative Commons Attribution-NonCommercial 4.0" },
  { id: "CC-BY-NC-SA-4.0", name: "Creative Commons Attribution-NonCommercial-ShareAlike 4.0" },
  { id: "ODC-By-1.0", name: "Open Data Commons Attribution 1.0" },
  { id: "ODbL-1.0", name: "Open Data Commons Open Database License 1.0" },
  { id: "PDDL-1.0", name: "Open Data Commons Public Domain Dedication and License 1.0" },
  { id: "CDLA-Permissive-2.0", name: "Community Data License Agreement – Permissive 2.0" },
  { id: "CDLA-Sharing-1.0", name: "Community Data License Agreement – Sharing 1.0" },
  { id: "MIT", name: "MIT License" },
  { id: "Apache-2.0", name: "Apache License 2.0" },
  { id: "GFDL-1.3-or-later", name: "GNU Free Documentation License 1.3 or later" },
  { id: "other", name: "Other (give the licence's URL)" },
] as const;

/** The licence value that needs a `licenseUrl`. */
export const OTHER_LICENSE = "other";

/** Limits on a datanet's tags. */
export const TAG_LIMITS = { maxTags: 10, maxTagLength: 32 } as const;

/** One tag: lowercase letters, digits and single hyphens, e.g. "speeches" or "us-history". */
export const tagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, "a tag must not be empty")
  .max(TAG_LIMITS.maxTagLength, `a tag has at most ${TAG_LIMITS.maxTagLength} characters`)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "a tag holds only letters a-z, digits and single hyphens (e.g. us-history)");

/** A datanet's tags: at most TAG_LIMITS.maxTags, distinct; none is the same as no list (so old metadata URIs stay the same). */
export const tagsSchema = z
  .array(tagSchema)
  .max(TAG_LIMITS.maxTags, `at most ${TAG_LIMITS.maxTags} tags`)
  .refine((tags) => new Set(tags).size === tags.length, "each tag only once")
  .optional()
  .transform((tags) => (tags && tags.length > 0 ? tags : undefined));

/** Where a licence's text is: an http(s) URL. */
export const licenseUrlSchema = z
  .string()
  .trim()
  .max(500, "must be at most 500 characters")
  .pipe(z.url({ protocol: /^https?$/, message: "must be an http(s) URL, e.g. https://example.org/licence" }));

/** The fields of a datanet's metadata, for forms that read some of them from other inputs. */
export const datanetMetadataFields = {
  /** Display name, e.g. "State of the Union addresses". */
  name: textField(100, 1),
  /** The datanet's card, in Markdown: what it holds and where it comes from. */
  description: textField(4000).default(""),
  /** SPDX id or a short licence name, e.g. "CC0-1.0" or "public domain"; "other" needs `licenseUrl`. */
  license: textField(100, 1),
  /** Where the licence's text is (required with "other"). */
  licenseUrl: licenseUrlSchema.optional(),
  /** Topic tags for browsing and search. */
  tags: tagsSchema,
};

/** A licence "other" needs the URL of its text. */
export function requireLicenseUrl(metadata: { license: string; licenseUrl?: string }, ctx: z.RefinementCtx): void {
  if (metadata.license.toLowerCase() === OTHER_LICENSE && !metadata.licenseUrl) {
    ctx.addIssue({ code: "custom", path: ["licenseUrl"], message: 'a licence "other" needs the URL of its text' });
  }
}

/** What a datanet's publisher says about it; the licence is also anchored on chain. */
export const datanetMetadataSchema = z.strictObject(datanetMetadataFields).superRefine(requireLicenseUrl);

/** A datanet's metadata as sent (before validation). */
export type DatanetMetadataInput = z.input<typeof datanetMetadataSchema>;

/** The call a draft asks the wallet to send. */
export const walletCallSchema = z.object({
  address: addressSchema,
  functionName: z.string(),
  args: z.array(z.unknown()),
});

/** `POST /api/datanets`'s answer: the metadata as it will be stored, its URI, the minimum stake and the call. */
export const datanetDraftAnswerSchema = z.object({
  metadata: z.object({
    name: z.string(),
    description: z.string(),
    license: z.string(),
    licenseUrl: z.string().optional(),
    tags: z.array(z.string()).optional(),
  }),
  metadataUri: z.string(),
  minStake: decimalUint256Schema,
  token: addressSchema,
  call: walletCallSchema,
});

/** `POST /api/datanets/confirm`'s answer: the stored datanet. */
export const publishedDatanetSchema = z.object({ id: onChainIdSchema, owner: addressSchema, name: z.string() });

/** `POST /api/datanets/[id]/contributions`'s answer. */
export const contributionDraftAnswerSchema = z.object({
  datanetId: onChainIdSchema,
  contributor: addressSchema,
  merkleRoot: bytes32Schema,
  recordCount: z.number().int(),
  recordHashes: z.array(bytes32Schema),
  call: walletCallSchema,
});

/** `POST /api/datanets/[id]/contributions/confirm`'s answer. */
export const confirmedContributionSchema = z.object({
  id: onChainIdSchema,
  datanetId: onChainIdSchema,
  recordCount: z.number().int(),
  firstRecordId: onChainIdSchema,
  txHash: bytes32Schema,
});
