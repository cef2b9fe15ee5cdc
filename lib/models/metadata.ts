/**
 * A model's off-chain card and backend, and its on-chain terms. The card and backend are
 * anchored by a content-addressed metadata URI; the terms (price, split, datanets) live on
 * chain and are read from the publishing event, never from the client. The schemas are shared
 * with the publish form (lib/wire/models.ts).
 */

import { metadataUri } from "@/lib/publication/metadata";
import type { ModelMetadata } from "@/lib/wire/models";

export {
  backendIdOf,
  MAX_MODEL_DATANETS,
  MAX_OWNER_BPS,
  MAX_PRICE,
  type ModelBackend,
  type ModelMetadata,
  type ModelTerms,
  modelBackendSchema,
  modelMetadataSchema,
  modelTermsSchema,
} from "@/lib/wire/models";

/** The metadata URI a model is published under. */
export function modelMetadataUri(metadata: ModelMetadata): string {
  return metadataUri("model", metadata);
}
