/**
 * Publishing a model: the owner's wallet sends `publishModel(metadataURI, backendId, datanetIds,
 * price, ownerBps, stake)`; the server stores the card under the on-chain id once the receipt's
 * ModelPublished event matches the metadata. Terms are taken from the event, then brought up to
 * the registry's current version (a model confirmed late may have been repriced, paused or
 * retired since); later changes arrive through the model sync (./sync.ts).
 */
import { getAddress, type Address, type Hex } from "viem";
import type { DbOrTransaction } from "@/db/client";
import { getDatanet, getModel, saveModel, updateModelTerms, type Model as StoredModel } from "@/db/marketplace";
import { ensureAllowance, minedReceipt, registryEvent, sendRegistryCall, type ChainWallet, type RegistryConnection } from "@/lib/datanets/chain";
import { DatanetNotFoundError, DraftNotFoundError, ReceiptMismatchError } from "@/lib/datanets/errors";
import { backendIdOf, modelMetadataUri, type ModelBackend, type ModelMetadata, type ModelTerms } from "./metadata";
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

/** Parameters of {@link confirmModelPublication}. */
export type ConfirmModelParameters = RegistryConnection & {
  /** Where the model is stored. */
  db: DbOrTransaction;
  /** The publishing transaction. */
  txHash: Hex;
  /** The metadata anchored under a URI, if this caller holds it. */
  metadataFor: (metadataUri: string) => ModelMetadata | undefined;
};

/**
 * Reads the receipt, checks that our registry published a model under this metadata's URI and
 * backend id, and stores it with the terms of the event. Idempotent.
 */
export async function confirmModelPublication(params: ConfirmModelParameters): Promise<PublishedModel> {
  const receipt = await minedReceipt(params.client, params.txHash);
  const { args } = registryEvent(receipt, params.registry, "ModelPublished");
  const stored = await getModel(params.db, args.modelId);
  // A repeated confirmation answers what was stored the first time.
  const metadata = params.metadataFor(args.metadataURI) ?? (stored?.metadataUri === args.metadataURI ? storedMetadata(stored) : undefined);
  if (!metadata) throw new DraftNotFoundError(`metadata ${args.metadataURI}`);
  if (modelMetadataUri(metadata) !== args.metadataURI) {
    throw new ReceiptMismatchError(`The model was published under ${args.metadataURI}, not under this metadata's URI`);
  }
  if (backendIdOf(metadata.backend) !== args.backendId) {
    throw new ReceiptMismatchError(`The model was published with backend "${args.backendId}", not "${backendIdOf(metadata.backend)}"`);
  }
  for (const datanetId of args.datanetIds) {
    if (!(await getDatanet(params.db, datanetId))) throw new DatanetNotFoundError(datanetId);
  }
  const backend = metadata.backend;
  const created = await saveModel(params.db, {
    id: args.modelId,
    name: metadata.name,
    description: metadata.description,
    modelCard: metadata.modelCard,
    backendKind: backend.kind,
    backendBaseUrl: backend.kind === "openai" ? backend.baseUrl : null,
    backendModel: backend.kind === "openai" ? backend.model : null,
    backendKeyName: backend.kind === "openai" ? (backend.keyName ?? null) : null,
    owner: args.owner,
    metadataUri: args.metadataURI,
    price: args.pricePerCall,
    ownerShareBps: args.ownerBps,
    txHash: receipt.transactionHash,
    datanetIds: [...args.datanetIds],
  });
  if (!created) {
    if (stored && stored.metadataUri !== args.metadataURI) {
      throw new ReceiptMismatchError(`Model ${args.modelId} is already stored with other metadata (a database of another chain?)`);
    }
  }
  // Read after storing: an update mined before this read is in it, a later one reaches the sync.
  await updateModelTerms(params.db, args.modelId, await readModelTerms(params, args.modelId));
  return {
    id: args.modelId,
    owner: getAddress(args.owner),
    metadataUri: args.metadataURI,
    backendId: args.backendId,
    price: args.pricePerCall,
    ownerShareBps: args.ownerBps,
    datanetIds: [...args.datanetIds],
    stake: args.stake,
    txHash: receipt.transactionHash,
    created,
    metadata,
  };
}

function storedMetadata(row: StoredModel): ModelMetadata {
  const backend: ModelBackend =
    row.backendKind === "openai" && row.backendBaseUrl && row.backendModel
      ? { kind: "openai", baseUrl: row.backendBaseUrl, model: row.backendModel, ...(row.backendKeyName ? { keyName: row.backendKeyName } : {}) }
      : { kind: "builtin" };
  return { name: row.name, description: row.description, modelCard: row.modelCard, backend };
}

/** Parameters of {@link publishModel}. */
export type PublishModelParameters = RegistryConnection & {
  /** Where the model is stored. */
  db: DbOrTransaction;
  /** The owner's wallet; it pays the stake. */
  wallet: ChainWallet;
  /** The payment token the stake is posted in. */
  token: Address;
  /** Validated card and backend (`modelMetadataSchema`). */
  metadata: ModelMetadata;
  /** Validated terms (`modelTermsSchema`). */
  terms: ModelTerms;
};

/** Approves the stake, publishes the model from `wallet`, waits, and stores it. */
export async function publishModel(params: PublishModelParameters): Promise<PublishedModel> {
  const { wallet, client, registry, metadata, terms } = params;
  await ensureAllowance(wallet, client, params.token, registry, terms.stake);
  const uri = modelMetadataUri(metadata);
  const receipt = await sendRegistryCall(wallet, params, {
    functionName: "publishModel",
    args: [uri, backendIdOf(metadata.backend), terms.datanetIds, terms.price, terms.ownerShareBps, terms.stake],
  });
  return confirmModelPublication({ ...params, txHash: receipt.transactionHash, metadataFor: (u) => (u === uri ? metadata : undefined) });
}
