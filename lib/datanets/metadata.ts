/**
 * Off-chain metadata of datanets and models. The chain stores only a metadata URI; the URI is
 * content-addressed (`upstream:<kind>:<keccak256 of the canonical JSON>`), so the server can
 * check that the metadata it stores is exactly what the publisher anchored — without trusting
 * the client and without knowing the on-chain id before the transaction is mined.
 */
import { z } from "zod";
import { metadataUri } from "@/lib/publication/metadata";
import { encodingProblem } from "./records";

/** A short text field: trimmed, valid UTF-8, no NUL. */
export function textField(max: number, min = 0) {
  return z
    .string()
    .trim()
    .min(min, min > 0 ? "must not be empty" : undefined)
    .max(max, `must be at most ${max} characters`)
    .refine((v) => encodingProblem(v) === undefined, { message: "must be valid UTF-8 without NUL characters" });
}

/** What a datanet's publisher says about it; the license is also anchored on chain. */
export const datanetMetadataSchema = z.strictObject({
  /** Display name, e.g. "State of the Union addresses". */
  name: textField(100, 1),
  /** What the datanet holds and where it comes from. */
  description: textField(4000).default(""),
  /** SPDX id or a short license name, e.g. "CC0-1.0" or "public domain". */
  license: textField(100, 1),
});

/** A datanet's metadata after validation. */
export type DatanetMetadata = z.output<typeof datanetMetadataSchema>;

/** The metadata URI a datanet is published under. */
export function datanetMetadataUri(metadata: DatanetMetadata): string {
  return metadataUri("datanet", metadata);
}
