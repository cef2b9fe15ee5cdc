/**
 * The model operations behind `app/api/models/**`: list, detail, and the browser publish flow
 * (draft → the owner's wallet sends `publishModel` → confirm against the receipt).
 */
import type { Address } from "viem";
import { z } from "zod";
import { upstreamRegistryAbi } from "@/lib/chain/abis";
import { getDatanet, getModel, listModels } from "@/db/marketplace";
import { parseId, type WalletCall } from "@/lib/datanets/api";
import type { MarketplaceContext } from "@/lib/datanets/context";
import { draftStore } from "@/lib/datanets/drafts";
import { DatanetNotFoundError } from "@/lib/datanets/errors";
import { ModelNotFoundError } from "./errors";
import { parseInput } from "@/lib/http";
import { txHashSchema } from "@/lib/wire/primitives";
import { backendIdOf, modelMetadataSchema, modelMetadataUri, modelTermsSchema, type ModelMetadata, type ModelTerms } from "./metadata";
import { confirmModelPublication, type PublishedModel } from "./publish";

const modelDrafts = () => draftStore<ModelMetadata>("model-metadata");

const draftModelSchema = z.strictObject({ metadata: modelMetadataSchema, terms: modelTermsSchema });

/** What the wallet must send to publish a model, and the stake it must approve first. */
export type ModelDraft = {
  /** The validated card and backend as they will be stored. */
  metadata: ModelMetadata;
  /** The validated terms. */
  terms: ModelTerms;
  /** The content-addressed URI to anchor. */
  metadataUri: string;
  /** The registry's current minimum stake. */
  minStake: bigint;
  /** The token to approve for the registry before the call. */
  token: Address;
  /** `publishModel(metadataURI, backendId, datanetIds, price, ownerBps, stake)`. */
  call: WalletCall;
};

/** `POST /api/models`: validates card, backend and terms; answers the publish call to send. */
export async function draftModel(ctx: MarketplaceContext, body: unknown): Promise<ModelDraft> {
  const { metadata, terms } = parseInput(draftModelSchema, body);
  for (const datanetId of terms.datanetIds) {
    if (!(await getDatanet(ctx.db, datanetId))) throw new DatanetNotFoundError(datanetId);
  }
  const uri = modelMetadataUri(metadata);
  modelDrafts().put(uri, metadata);
  const minStake = await ctx.client.readContract({ address: ctx.registry, abi: upstreamRegistryAbi, functionName: "minModelStake" });
  return {
    metadata,
    terms,
    metadataUri: uri,
    minStake,
    token: ctx.token,
    call: {
      address: ctx.registry,
      functionName: "publishModel",
      args: [uri, backendIdOf(metadata.backend), terms.datanetIds, terms.price, terms.ownerShareBps, terms.stake],
    },
  };
}

const confirmModelSchema = z.strictObject({
  txHash: txHashSchema,
  /** The metadata again, for when this server no longer holds the draft; verified by its URI. */
  metadata: modelMetadataSchema.optional(),
});

/** `POST /api/models/confirm`: stores a published model once its receipt matches a draft. */
export async function confirmModel(ctx: MarketplaceContext, body: unknown): Promise<PublishedModel> {
  const { txHash, metadata } = parseInput(confirmModelSchema, body);
  const published = await confirmModelPublication({
    ...ctx,
    txHash,
    metadataFor: (uri) => modelDrafts().get(uri) ?? (metadata && modelMetadataUri(metadata) === uri ? metadata : undefined),
  });
  modelDrafts().delete(published.metadataUri);
  return published;
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
