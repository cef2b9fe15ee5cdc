/**
 * Off-chain metadata of datanets and models. The chain stores only a metadata URI; the URI is
 * content-addressed (`upstream:<kind>:<keccak256 of the canonical JSON>`), so the server can
 * check that the metadata it stores is exactly what the publisher anchored — without trusting
 * the client and without knowing the on-chain id before the transaction is mined.
 */
import type { z } from "zod";
import { metadataUri } from "@/lib/publication/metadata";
import type { datanetMetadataSchema } from "@/lib/wire/datanets";

// The schema is shared with the publish form (lib/wire/datanets.ts), so both refuse alike.
export { datanetMetadataSchema } from "@/lib/wire/datanets";
export { textField } from "@/lib/wire/records";

/** A datanet's metadata after validation (no tags and an empty list are the same: the key is left out). */
export type DatanetMetadata = Omit<z.output<typeof datanetMetadataSchema>, "tags"> & { tags?: string[] };

/** The metadata URI a datanet is published under. */
export function datanetMetadataUri(metadata: DatanetMetadata): string {
  return metadataUri("datanet", metadata);
}
