/**
 * Publishing a datanet: the publisher's wallet sends `publishDatanet(metadataURI, license,
 * stake)`; the server stores the metadata under the on-chain id once the receipt shows the
 * registry's DatanetPublished event with exactly that metadata.
 */
import { getAddress, type Address, type Hex } from "viem";
import { getDatanet, saveDatanet } from "@/db/marketplace";
import type { DbOrTransaction } from "@/db/client";
import { ensureAllowance, minedReceipt, registryEvent, sendRegistryCall, type ChainWallet, type RegistryConnection } from "./chain";
import { DraftNotFoundError, ReceiptMismatchError } from "./errors";
import { datanetMetadataUri, type DatanetMetadata } from "./metadata";

/** A datanet as stored after its publication was confirmed. */
export type PublishedDatanet = {
  /** The registry's datanet id. */
  id: bigint;
  /** The publisher (checksummed). */
  owner: Address;
  /** The content-addressed metadata URI anchored on chain. */
  metadataUri: string;
  /** The stake posted, in token units. */
  stake: bigint;
  /** The publishing transaction. */
  txHash: Hex;
  /** False when this publication was already stored (a repeated confirmation). */
  created: boolean;
} & DatanetMetadata;

/** Parameters of {@link confirmDatanetPublication}. */
export type ConfirmDatanetParameters = RegistryConnection & {
  /** Where the datanet is stored. */
  db: DbOrTransaction;
  /** The publishing transaction. */
  txHash: Hex;
  /** The metadata anchored under a URI, if this caller holds it (a draft, or the publisher's own copy). */
  metadataFor: (metadataUri: string) => DatanetMetadata | undefined;
};

/**
 * Reads the receipt of `txHash`, checks that our registry published a datanet under the URI of
 * the given metadata with the same license, and stores it under the on-chain id. Idempotent.
 */
export async function confirmDatanetPublication(params: ConfirmDatanetParameters): Promise<PublishedDatanet> {
  const receipt = await minedReceipt(params.client, params.txHash);
  const { args } = registryEvent(receipt, params.registry, "DatanetPublished");
  const stored = await getDatanet(params.db, args.datanetId);
  // A repeated confirmation answers what was stored the first time.
  const metadata = params.metadataFor(args.metadataURI) ?? (stored?.metadataUri === args.metadataURI ? storedMetadata(stored) : undefined);
  if (!metadata) throw new DraftNotFoundError(`metadata ${args.metadataURI}`);
  if (datanetMetadataUri(metadata) !== args.metadataURI) {
    throw new ReceiptMismatchError(`The datanet was published under ${args.metadataURI}, not under this metadata's URI`);
  }
  if (metadata.license !== args.license) {
    throw new ReceiptMismatchError(`The datanet was published with license "${args.license}", not "${metadata.license}"`);
  }
  const created = await saveDatanet(params.db, {
    id: args.datanetId,
    name: metadata.name,
    description: metadata.description,
    license: metadata.license,
    owner: args.owner,
    metadataUri: args.metadataURI,
    txHash: receipt.transactionHash,
  });
  if (!created) {
    if (stored && stored.metadataUri !== args.metadataURI) {
      throw new ReceiptMismatchError(`Datanet ${args.datanetId} is already stored with other metadata (a database of another chain?)`);
    }
  }
  return { id: args.datanetId, owner: getAddress(args.owner), metadataUri: args.metadataURI, stake: args.stake, txHash: receipt.transactionHash, created, ...metadata };
}

function storedMetadata(row: { name: string; description: string; license: string }): DatanetMetadata {
  return { name: row.name, description: row.description, license: row.license };
}

/** Parameters of {@link publishDatanet}. */
export type PublishDatanetParameters = RegistryConnection & {
  /** Where the datanet is stored. */
  db: DbOrTransaction;
  /** The publisher's wallet; it pays the stake. */
  wallet: ChainWallet;
  /** The payment token the stake is posted in. */
  token: Address;
  /** Validated metadata (`datanetMetadataSchema`). */
  metadata: DatanetMetadata;
  /** Stake in token units; at least the registry's minimum. */
  stake: bigint;
};

/** Approves the stake, publishes the datanet from `wallet`, waits, and stores it. */
export async function publishDatanet(params: PublishDatanetParameters): Promise<PublishedDatanet> {
  const { wallet, client, registry, metadata } = params;
  await ensureAllowance(wallet, client, params.token, registry, params.stake);
  const uri = datanetMetadataUri(metadata);
  const receipt = await sendRegistryCall(wallet, params, { functionName: "publishDatanet", args: [uri, metadata.license, params.stake] });
  return confirmDatanetPublication({ ...params, txHash: receipt.transactionHash, metadataFor: (u) => (u === uri ? metadata : undefined) });
}
