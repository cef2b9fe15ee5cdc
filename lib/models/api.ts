/**
 * The model operations behind `app/api/models/**`: list, detail, and the browser publish flow
 * (draft → the owner's wallet sends `publishModel` → confirm against the receipt).
 */
import { z } from "zod";
import { getDatanet, getModel, listModels } from "@/db/marketplace";
import { upstreamRegistryAbi } from "@/lib/chain/abis";
import { BackendKeyNotAllowedError, isUnderBaseUrl } from "@/lib/config";
import { confirmMetadataSchema, parseId } from "@/lib/datanets/api";
import { DatanetClosedError, DatanetNotFoundError } from "@/lib/datanets/errors";
import { parseInput } from "@/lib/http";
import type { MarketplaceContext } from "@/lib/publication/context";
import type { MetadataDraftAnswer } from "@/lib/publication/metadata";
import { ModelNotFoundError } from "./errors";
import { type ModelMetadata, type ModelTerms, modelMetadataSchema, modelMetadataUri, modelTermsSchema } from "./metadata";
import { modelPublication, type PublishedModel } from "./publish";

const draftModelSchema = z.strictObject({ metadata: modelMetadataSchema, terms: modelTermsSchema });

/** What the wallet must send to publish a model: `publishModel(metadataURI, backendId, datanetIds, price, ownerBps, stake)`. */
export type ModelDraft = MetadataDraftAnswer<ModelMetadata> & {
  /** The validated terms. */
  terms: ModelTerms;
};

/** `POST /api/models`: validates card, backend and terms; answers the publish call to send. */
export async function draftModel(ctx: MarketplaceContext, body: unknown): Promise<ModelDraft> {
  const { metadata, terms } = parseInput(draftModelSchema, body);
  const { backend } = metadata;
  // The gateway would refuse it anyway (lib/inference/openai-compatible.ts); say so before the owner pays to publish.
  if (backend.kind === "openai" && backend.keyName !== undefined) {
    const allowed = ctx.backendKeyUrls[backend.keyName];
    if (allowed !== undefined && !isUnderBaseUrl(backend.baseUrl, allowed)) throw new BackendKeyNotAllowedError(backend.keyName, 400);
  }
  for (const datanetId of terms.datanetIds) {
    if (!(await getDatanet(ctx.db, datanetId))) throw new DatanetNotFoundError(datanetId);
    // The registry would revert DatanetNotActive: refuse here, so no draft is kept and no wallet asked.
    const onChain = await ctx.client.readContract({
      address: ctx.registry,
      abi: upstreamRegistryAbi,
      functionName: "getDatanet",
      args: [datanetId],
    });
    if (!onChain.active) throw new DatanetClosedError(datanetId);
  }
  const minStake = await ctx.client.readContract({ address: ctx.registry, abi: upstreamRegistryAbi, functionName: "minModelStake" });
  const call = modelPublication.draft(ctx, metadata, terms);
  return { metadata, terms, metadataUri: modelMetadataUri(metadata), minStake, token: ctx.token, call };
}

/** `POST /api/models/confirm`: stores a published model once its receipt matches a draft. */
export async function confirmModel(ctx: MarketplaceContext, body: unknown): Promise<PublishedModel> {
  const { txHash, metadata } = parseInput(confirmMetadataSchema(modelMetadataSchema), body);
  return modelPublication.confirm({ ...ctx, txHash, draftFor: modelPublication.heldOr(ctx, metadata) });
}

/** Drops the name of the server's key variable: a browser has no use for it. */
function publicModel<T extends { backendKeyName: string | null }>(model: T): Omit<T, "backendKeyName"> {
  const { backendKeyName: _hidden, ...shown } = model;
  return shown;
}

/** `GET /api/models`: every model with its datanets. */
export async function modelList(ctx: MarketplaceContext) {
  return { models: (await listModels(ctx.db)).map(publicModel) };
}

/** `GET /api/models/[id]`: one model. */
export async function modelDetail(ctx: MarketplaceContext, id: string) {
  const modelId = parseId(id, "model id");
  const model = await getModel(ctx.db, modelId);
  if (!model) throw new ModelNotFoundError(modelId);
  return { model: publicModel(model) };
}
