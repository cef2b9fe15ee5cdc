/**
 * Publishing a datanet: the publisher's wallet sends `publishDatanet(metadataURI, license,
 * stake)`; the server stores the metadata under the on-chain id once the receipt shows the
 * registry's DatanetPublished event with exactly that metadata.
 */
import { type Address, getAddress, type Hex } from "viem";
import { getDatanet, saveDatanet } from "@/db/marketplace";
import { ensureAllowance } from "@/lib/publication/chain";
import { ReceiptMismatchError } from "@/lib/publication/errors";
import { definePublication } from "@/lib/publication/flow";
import { type StakedSendParameters, storeAnchoredMetadata } from "@/lib/publication/metadata";
import { type DatanetMetadata, datanetMetadataUri } from "./metadata";

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

/**
 * The datanet publication flow: drafts are metadata kept under their URI; the call carries the
 * stake. A confirmation stores the metadata under the event's id if the event anchored its URI
 * and license.
 */
export const datanetPublication = definePublication({
  drafts: "datanet-metadata",
  draftKey: (metadata: DatanetMetadata) => datanetMetadataUri(metadata),
  call: (metadata, { stake }: { stake: bigint }) => ({
    functionName: "publishDatanet",
    args: [datanetMetadataUri(metadata), metadata.license, stake],
  }),
  event: "DatanetPublished",
  eventKey: (args) => args.metadataURI,
  async store({ db, event: { args, transactionHash }, draft }): Promise<PublishedDatanet> {
    const { metadata, created } = await storeAnchoredMetadata({
      kind: "datanet",
      id: args.datanetId,
      uri: args.metadataURI,
      stored: await getDatanet(db, args.datanetId),
      draft,
      // Absent fields stay absent, so the stored row hashes back to the URI it was published under.
      metadataOf: (row) => ({
        name: row.name,
        description: row.description,
        license: row.license,
        licenseUrl: row.licenseUrl ?? undefined,
        tags: row.tags.length > 0 ? row.tags : undefined,
      }),
      save: (metadata) => {
        if (metadata.license !== args.license) {
          throw new ReceiptMismatchError(`The datanet was published with license "${args.license}", not "${metadata.license}"`);
        }
        return saveDatanet(db, {
          id: args.datanetId,
          name: metadata.name,
          description: metadata.description,
          license: metadata.license,
          licenseUrl: metadata.licenseUrl ?? null,
          tags: metadata.tags ?? [],
          owner: args.owner,
          metadataUri: args.metadataURI,
          txHash: transactionHash,
        });
      },
    });
    const { datanetId: id, metadataURI: metadataUri, stake } = args;
    return { id, owner: getAddress(args.owner), metadataUri, stake, txHash: transactionHash, created, ...metadata };
  },
});

/** Parameters of {@link publishDatanet}; the wallet is the publisher's and pays the stake. */
export type PublishDatanetParameters = StakedSendParameters & {
  /** Validated metadata (`datanetMetadataSchema`). */
  metadata: DatanetMetadata;
  /** Stake in token units; at least the registry's minimum. */
  stake: bigint;
};

/** Approves the stake, publishes the datanet from `wallet`, waits, and stores it. */
export async function publishDatanet({ metadata, stake, ...params }: PublishDatanetParameters): Promise<PublishedDatanet> {
  await ensureAllowance(params.wallet, params.client, params.token, params.registry, stake);
  return datanetPublication.send(params, metadata, { stake });
}
