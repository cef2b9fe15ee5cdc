/**
 * Publications that anchor content-addressed metadata (datanets, models): the event names a
 * metadata URI, and what is stored is the metadata of exactly that URI — a draft's, or on a
 * repeated confirmation what the first one stored.
 */
import { type Address, type Hex, keccak256, stringToBytes } from "viem";
import { DraftNotFoundError, ReceiptMismatchError } from "./errors";
import type { SendPublicationParameters, WalletCall } from "./flow";

/** Prefix of every content-addressed metadata URI. */
export const METADATA_URI_PREFIX = "upstream:";

/** JSON with object keys sorted at every level, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** What a metadata URI names. */
export type MetadataKind = "datanet" | "model";

/** The content-addressed URI of a metadata object: `upstream:<kind>:0x<keccak256>`. */
export function metadataUri(kind: MetadataKind, metadata: object): string {
  const hash: Hex = keccak256(stringToBytes(canonicalJson(metadata)));
  return `${METADATA_URI_PREFIX}${kind}:${hash}`;
}

/** What the wallet must send to publish metadata, and the stake it must approve first. */
export type MetadataDraftAnswer<Metadata> = {
  /** The validated metadata as it will be stored. */
  metadata: Metadata;
  /** The content-addressed URI to anchor. */
  metadataUri: string;
  /** The registry's current minimum stake. */
  minStake: bigint;
  /** The token to approve for the registry before the call. */
  token: Address;
  /** The registry call to send. */
  call: WalletCall;
};

/** Parameters of a publication that posts a stake from a wallet this process holds. */
export type StakedSendParameters = SendPublicationParameters & {
  /** The payment token the stake is posted in; the wallet approves the registry for it first. */
  token: Address;
};

/** Parameters of {@link storeAnchoredMetadata}. */
export type StoreAnchoredMetadataParameters<Metadata, Row> = {
  /** What was published. */
  kind: MetadataKind;
  /** The on-chain id the event names. */
  id: bigint;
  /** The metadata URI the event anchored. */
  uri: string;
  /** The row already stored under `id`, if any. */
  stored: Row | undefined;
  /** The draft the event anchors, if the caller holds one. */
  draft: () => Metadata | undefined;
  /** The metadata of a stored row. */
  metadataOf: (row: Row) => Metadata;
  /** Checks what else the event anchors against the metadata and stores the row; false when it was stored already. */
  save: (metadata: Metadata) => Promise<boolean>;
};

/**
 * Finds the metadata the event anchored (the draft, else the stored row's when it is under the
 * same URI), checks that the URI is its own, and saves it. Throws DraftNotFoundError, or
 * ReceiptMismatchError when the URI is another's or the id is stored under another URI.
 */
export async function storeAnchoredMetadata<Metadata extends object, Row extends { metadataUri: string }>(
  params: StoreAnchoredMetadataParameters<Metadata, Row>,
): Promise<{ metadata: Metadata; created: boolean }> {
  const { kind, id, uri, stored } = params;
  const metadata = params.draft() ?? (stored?.metadataUri === uri ? params.metadataOf(stored) : undefined);
  if (!metadata) throw new DraftNotFoundError(`metadata ${uri}`);
  if (metadataUri(kind, metadata) !== uri) {
    throw new ReceiptMismatchError(`The ${kind} was published under ${uri}, not under this metadata's URI`);
  }
  const created = await params.save(metadata);
  if (!created && stored && stored.metadataUri !== uri) {
    const subject = kind === "datanet" ? "Datanet" : "Model";
    throw new ReceiptMismatchError(`${subject} ${id} is already stored with other metadata (a database of another chain?)`);
  }
  return { metadata, created };
}
