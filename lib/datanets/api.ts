/**
 * The datanet operations behind `app/api/datanets/**`, one function per request, each taking a
 * MarketplaceContext and an unvalidated body. The browser flow is draft → the user's wallet
 * sends the transaction → confirm; a confirmation is checked against the receipt, never
 * against what the client says happened.
 */
import { and, asc, eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { z } from "zod";
import { upstreamRegistryAbi } from "@/lib/chain/abis";
import { getDatanet, listContributions, listDatanets, listRecords, modelsOfDatanet } from "@/db/marketplace";
import { records as recordsTable } from "@/db/schema";
import type { MarketplaceContext } from "./context";
import {
  confirmContribution,
  contributionDraftKey,
  prepareContribution,
  requireDatanet,
  type ConfirmedContribution,
  type ContributionDraft,
} from "./contribute";
import { draftStore } from "./drafts";
import { InvalidInputError } from "@/lib/errors";
import { parseInput } from "@/lib/http";
import { addressSchema, onChainIdSchema, txHashSchema } from "@/lib/wire/primitives";
import { DatanetNotFoundError, ReceiptMismatchError, RecordNotFoundError } from "./errors";
import { recordLeaf, recordProof, verifyRecordProof } from "./merkle";
import { datanetMetadataSchema, datanetMetadataUri, type DatanetMetadata } from "./metadata";
import { confirmDatanetPublication, type PublishedDatanet } from "./publish";
import { recordListSchema } from "./records";

/** Parses a route's id segment; throws InvalidInputError. */
export function parseId(segment: string, what = "id"): bigint {
  const parsed = onChainIdSchema.safeParse(segment);
  if (!parsed.success) throw new InvalidInputError(`${what} "${segment.slice(0, 80)}" is not a decimal on-chain id`, "INVALID_ID");
  return parsed.data;
}

/** A contract call for the user's wallet to send, with amounts as decimal strings in JSON. */
export type WalletCall = {
  /** The contract to call. */
  address: Address;
  /** Function name on `upstreamRegistryAbi` (lib/chain/abis). */
  functionName: string;
  /** Arguments in ABI order. */
  args: readonly unknown[];
};

const datanetDrafts = () => draftStore<DatanetMetadata>("datanet-metadata");
const contributionDrafts = () => draftStore<ContributionDraft>("contributions");

/** What the wallet must send to publish a datanet, and the stake it must approve first. */
export type DatanetDraft = {
  /** The validated metadata as it will be stored. */
  metadata: DatanetMetadata;
  /** The content-addressed URI to anchor. */
  metadataUri: string;
  /** The registry's current minimum stake. */
  minStake: bigint;
  /** The token to approve for the registry before the call. */
  token: Address;
  /** `publishDatanet(metadataURI, license, stake)`; the stake argument is the minimum (raise it at will). */
  call: WalletCall;
};

/** `POST /api/datanets`: validates metadata and answers the publish call to send. */
export async function draftDatanet(ctx: MarketplaceContext, body: unknown): Promise<DatanetDraft> {
  const metadata = parseInput(datanetMetadataSchema, body);
  const uri = datanetMetadataUri(metadata);
  datanetDrafts().put(uri, metadata);
  const minStake = await ctx.client.readContract({ address: ctx.registry, abi: upstreamRegistryAbi, functionName: "minDatanetStake" });
  return {
    metadata,
    metadataUri: uri,
    minStake,
    token: ctx.token,
    call: { address: ctx.registry, functionName: "publishDatanet", args: [uri, metadata.license, minStake] },
  };
}

const confirmDatanetSchema = z.strictObject({
  txHash: txHashSchema,
  /** The metadata again, for when this server no longer holds the draft; verified by its URI. */
  metadata: datanetMetadataSchema.optional(),
});

/** `POST /api/datanets/confirm`: stores a published datanet once its receipt matches a draft. */
export async function confirmDatanet(ctx: MarketplaceContext, body: unknown): Promise<PublishedDatanet> {
  const { txHash, metadata } = parseInput(confirmDatanetSchema, body);
  const published = await confirmDatanetPublication({
    ...ctx,
    txHash,
    metadataFor: (uri) => datanetDrafts().get(uri) ?? (metadata && datanetMetadataUri(metadata) === uri ? metadata : undefined),
  });
  datanetDrafts().delete(published.metadataUri);
  return published;
}

/** `GET /api/datanets`: every datanet with its counts. */
export async function datanetList(ctx: MarketplaceContext) {
  return { datanets: await listDatanets(ctx.db) };
}

/** `GET /api/datanets/[id]`: one datanet, its contributions and the models drawing on it. */
export async function datanetDetail(ctx: MarketplaceContext, id: string) {
  const datanetId = parseId(id, "datanet id");
  const datanet = await getDatanet(ctx.db, datanetId);
  if (!datanet) throw new DatanetNotFoundError(datanetId);
  const [contributions, models] = await Promise.all([listContributions(ctx.db, datanetId), modelsOfDatanet(ctx.db, datanetId)]);
  return { datanet, contributions, models };
}

const recordPageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  afterContribution: onChainIdSchema.optional(),
  afterPosition: z.coerce.number().int().min(0).optional(),
});

/** `GET /api/datanets/[id]/records?limit&afterContribution&afterPosition`: a page in on-chain order. */
export async function datanetRecords(ctx: MarketplaceContext, id: string, query: URLSearchParams) {
  const datanetId = parseId(id, "datanet id");
  const page = parseInput(recordPageSchema, Object.fromEntries(query));
  await requireDatanet(ctx.db, datanetId);
  const after =
    page.afterContribution !== undefined ? { contributionId: page.afterContribution, position: page.afterPosition ?? -1 } : undefined;
  return { records: await listRecords(ctx.db, datanetId, { limit: page.limit, after }) };
}

const draftContributionSchema = z.strictObject({
  /** The account that will send the transaction. */
  contributor: addressSchema,
  /** The record texts, in order. */
  records: recordListSchema,
});

/** What the wallet must send to anchor a contribution. */
export type ContributionDraftAnswer = {
  datanetId: bigint;
  contributor: Address;
  merkleRoot: Hex;
  recordCount: number;
  /** Each record's keccak256, in leaf order, so the contributor can keep their own proofs. */
  recordHashes: Hex[];
  /** `addContribution(datanetId, merkleRoot, recordCount)`. */
  call: WalletCall;
};

/** `POST /api/datanets/[id]/contributions`: validates and hashes records; answers root, count and the call. */
export async function draftContribution(ctx: MarketplaceContext, id: string, body: unknown): Promise<ContributionDraftAnswer> {
  const datanetId = parseId(id, "datanet id");
  const { contributor, records } = parseInput(draftContributionSchema, body);
  const prepared = prepareContribution(records);
  await requireDatanet(ctx.db, datanetId);
  contributionDrafts().put(contributionDraftKey(datanetId, contributor, prepared.merkleRoot), { ...prepared, datanetId, contributor });
  return {
    datanetId,
    contributor,
    merkleRoot: prepared.merkleRoot,
    recordCount: prepared.recordCount,
    recordHashes: prepared.records.map((r) => r.hash),
    call: { address: ctx.registry, functionName: "addContribution", args: [datanetId, prepared.merkleRoot, prepared.recordCount] },
  };
}

const confirmContributionSchema = z.strictObject({
  txHash: txHashSchema,
  /** The contributor and records again, for when this server no longer holds the draft. */
  contributor: addressSchema.optional(),
  records: recordListSchema.optional(),
});

/** `POST /api/datanets/[id]/contributions/confirm`: stores the records once the receipt anchors exactly them. */
export async function confirmContributionRequest(ctx: MarketplaceContext, id: string, body: unknown): Promise<ConfirmedContribution> {
  const datanetId = parseId(id, "datanet id");
  const resent = parseInput(confirmContributionSchema, body);
  const fallback: ContributionDraft | undefined =
    resent.records && resent.contributor ? { ...prepareContribution(resent.records), datanetId, contributor: resent.contributor } : undefined;
  const confirmed = await confirmContribution({
    ...ctx,
    txHash: resent.txHash,
    draftFor: (event) => {
      // The URL names the datanet the caller meant; a transaction for another one is not this confirmation.
      if (event.datanetId !== datanetId) {
        throw new ReceiptMismatchError(`Transaction ${resent.txHash} contributes to datanet ${event.datanetId}, not ${datanetId}`);
      }
      return contributionDrafts().get(contributionDraftKey(event.datanetId, event.contributor, event.merkleRoot)) ?? fallback;
    },
  });
  contributionDrafts().delete(contributionDraftKey(confirmed.datanetId, confirmed.contributor, confirmed.merkleRoot));
  return confirmed;
}

/** A record's inclusion proof against its contribution's root as stored on chain. */
export type RecordProofAnswer = {
  contributionId: bigint;
  /** Index of the record in its contribution (the leaf index). */
  position: number;
  /** On-chain record id: the contribution's first record id + position. */
  recordId: bigint;
  text: string;
  /** keccak256 of the text's UTF-8 bytes. */
  recordHash: Hex;
  /** The leaf `MerkleProof.verify` expects. */
  leaf: Hex;
  proof: Hex[];
  /** The root the registry holds for the contribution. */
  merkleRoot: Hex;
  /** Whether `proof` verifies against that on-chain root. */
  verified: boolean;
};

/** `GET /api/datanets/[id]/contributions/[contributionId]/proof?position=N`. */
export async function contributionRecordProof(
  ctx: MarketplaceContext,
  id: string,
  contributionSegment: string,
  query: URLSearchParams,
): Promise<RecordProofAnswer> {
  const datanetId = parseId(id, "datanet id");
  const contributionId = parseId(contributionSegment, "contribution id");
  const { position } = parseInput(z.object({ position: z.coerce.number().int().min(0) }), Object.fromEntries(query));
  const rows = await ctx.db
    .select({ text: recordsTable.text, hash: recordsTable.hash })
    .from(recordsTable)
    .where(and(eq(recordsTable.contributionId, contributionId), eq(recordsTable.datanetId, datanetId)))
    .orderBy(asc(recordsTable.position));
  const record = rows[position];
  if (!record) throw new RecordNotFoundError(datanetId, contributionId, position);
  const onChain = await ctx.client.readContract({
    address: ctx.registry,
    abi: upstreamRegistryAbi,
    functionName: "getContribution",
    args: [contributionId],
  });
  const proof = recordProof(rows.map((r) => r.hash), position);
  return {
    contributionId,
    position,
    recordId: onChain.firstRecordId + BigInt(position),
    text: record.text,
    recordHash: record.hash,
    leaf: recordLeaf(position, record.hash),
    proof,
    merkleRoot: onChain.merkleRoot,
    verified: verifyRecordProof(onChain.merkleRoot, position, record.hash, proof),
  };
}
