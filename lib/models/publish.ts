/**
 * Publishing a model: the owner's wallet sends `publishModel(metadataURI, backendId, datanetIds,
 * price, ownerBps, stake)`; the server stores the card under the on-chain id once the receipt's
 * ModelPublished event matches the metadata. Terms are taken from the event, then brought up to
 * the registry's current version (a model confirmed late may have been repriced, paused or
 * retired since); later changes arrive through the model sync (./sync.ts).
 */
import { type Address, getAddress, type Hex } from "viem";
import { getDatanet, getModel, type Model as StoredModel, saveModel, updateModelTerms } from "@/db/marketplace";
import { DatanetNotFoundError } from "@/lib/datanets/errors";
import { ensureAllowance } from "@/lib/publication/chain";
import { ReceiptMismatchError } from "@/lib/publication/errors";
import { definePublication } from "@/lib/publication/flow";
import { type StakedSendParameters, storeAnchoredMetadata } from "@/lib/publication/metadata";
import { backendIdOf, type ModelBackend, type ModelMetadata, type ModelTerms, modelMetadataUri } from "./metadata";
import { readModelTerms } from "./sync";

/** A model as stored after its publication was confirmed. */
export type PublishedModel = {
  /** The registry's model id. */
  id: bigint;
  /** The owner (checksummed). */
  owner: Address;
  /** The content-addressed metadata URI anchored on chain. */
  metadataUri: string;
  /** The backend id anchored on chain. */
  backendId: string;
  /** Price per inference in token units, from the event. */
  price: bigint;
  /** Owner share in basis points, from the event. */
  ownerShareBps: number;
  /** The datanets it draws on, from the event. */
  datanetIds: bigint[];
  /** The stake posted. */
  stake: bigint;
  /** The publishing transaction. */
  txHash: Hex;
  /** False when it was already stored. */
  created: boolean;
  /** Its card and backend. */
  metadata: ModelMetadata;
};

/**
 * The model publication flow: drafts are card and backend kept under their metadata URI; the
 * call carries the terms. A confirmation stores the model with the event's terms if the event
 * anchored its URI and backend id over stored datanets.
 */
export const modelPublication = definePublication({
  drafts: "model-metadata",
  draftKey: (metadata: ModelMetadata) => modelMetadataUri(metadata),
  call: (metadata, terms: ModelTerms) => ({
    functionName: "publishModel",
    args: [modelMetadataUri(metadata), backendIdOf(metadata.backend), terms.datanetIds, terms.price, terms.ownerShareBps, terms.stake],
  }),
  event: "ModelPublished",
  eventKey: (args) => args.metadataURI,
  async store({ db, client, registry, event: { args, transactionHash }, draft }): Promise<PublishedModel> {
    const { metadata, created } = await storeAnchoredMetadata({
      kind: "model",
      id: args.modelId,
      uri: args.metadataURI,
      stored: await getModel(db, args.modelId),
      draft,
      metadataOf: storedMetadata,
      save: async (metadata) => {
        if (backendIdOf(metadata.backend) !== args.backendId) {
          const drafted = backendIdOf(metadata.backend);
          throw new ReceiptMismatchError(`The model was published with backend "${args.backendId}", not "${drafted}"`);
        }
        for (const datanetId of args.datanetIds) {
          if (!(await getDatanet(db, datanetId))) throw new DatanetNotFoundError(datanetId);
        }
        const backend = metadata.backend;
        return saveModel(db, {
          id: args.modelId,
          name: metadata.name,
          description: metadata.description,
          modelCard: metadata.modelCard,
          unexplainedPool: metadata.unexplainedPool ?? null,
          backendKind: backend.kind,
          backendBaseUrl: backend.kind === "openai" ? backend.baseUrl : null,
          backendModel: backend.kind === "openai" ? backend.model : null,
          backendKeyName: backend.kind === "openai" ? (backend.keyName ?? null) : null,
          answersWithoutRecords: backend.kind === "openai" && backend.answersWithoutRecords === true,
          contextAblation: backend.kind === "openai" && backend.contextAblation === true,
          owner: args.owner,
          metadataUri: args.metadataURI,
          price: args.pricePerCall,
          ownerShareBps: args.ownerBps,
          txHash: transactionHash,
          datanetIds: [...args.datanetIds],
        });
      },
    });
    // Read after storing: an update mined before this read is in it, a later one reaches the sync.
    await updateModelTerms(db, args.modelId, await readModelTerms({ client, registry }, args.modelId));
    return {
      id: args.modelId,
      owner: getAddress(args.owner),
      metadataUri: args.metadataURI,
      backendId: args.backendId,
      price: args.pricePerCall,
      ownerShareBps: args.ownerBps,
      datanetIds: [...args.datanetIds],
      stake: args.stake,
      txHash: transactionHash,
      created,
      metadata,
    };
  },
});

function storedMetadata(row: StoredModel): ModelMetadata {
  const backend: ModelBackend =
    row.backendKind === "openai" && row.backendBaseUrl && row.backendModel
      ? {
          kind: "openai",
          baseUrl: row.backendBaseUrl,
          model: row.backendModel,
          ...(row.backendKeyName ? { keyName: row.backendKeyName } : {}),
          ...(row.answersWithoutRecords ? { answersWithoutRecords: true } : {}),
          ...(row.contextAblation ? { contextAblation: true } : {}),
        }
      : { kind: "builtin" };
  return {
    name: row.name,
    description: row.description,
    modelCard: row.modelCard,
    backend,
    ...(row.unexplainedPool ? { unexplainedPool: row.unexplainedPool } : {}),
  };
}

/** Parameters of {@link publishModel}; the wallet is the owner's and pays the stake. */
export type PublishModelParameters = StakedSendParameters & {
  /** Validated card and backend (`modelMetadataSchema`). */
  metadata: ModelMetadata;
  /** Validated terms (`modelTermsSchema`). */
  terms: ModelTerms;
};

/** Approves the stake, publishes the model from `wallet`, waits, and stores it. */
export async function publishModel({ metadata, terms, ...params }: PublishModelParameters): Promise<PublishedModel> {
  await ensureAllowance(params.wallet, params.client, params.token, params.registry, terms.stake);
  return modelPublication.send(params, metadata, terms);
}
