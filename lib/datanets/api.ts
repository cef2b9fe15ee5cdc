/**
 * The datanet operations behind `app/api/datanets/**`, one function per request, each taking a
 * MarketplaceContext and an unvalidated body. The browser flow is draft → the user's wallet
 * sends the transaction → confirm; a confirmation is checked against the receipt, never
 * against what the client says happened.
 */
import { and, asc, eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { z } from "zod";
import { getDatanet, listContributions, listDatanets, listRecords, modelsOfDatanet } from "@/db/marketplace";
import { records as recordsTable } from "@/db/schema";
import { upstreamRegistryAbi } from "@/lib/chain/abis";
import { InvalidInputError } from "@/lib/errors";
import { parseInput } from "@/lib/http";
import type { MarketplaceContext } from "@/lib/publication/context";
import { ReceiptMismatchError } from "@/lib/publication/errors";
import type { WalletCall } from "@/lib/publication/flow";
import type { MetadataDraftAnswer } from "@/lib/publication/metadata";
import { addressSchema, onChainIdSchema, txHashSchema } from "@/lib/wire/primitives";
import {
  type ConfirmedContribution,
  type ContributionDraft,
  contributionPublication,
  prepareContribution,
  requireDatanet,
} from "./contribute";
import { refuseCopies } from "./copies";
import { DatanetClosedError, DatanetNotFoundError, RecordNotFoundError } from "./errors";
import { recordLeaf, recordProof, verifyRecordProof } from "./merkle";
import { type DatanetMetadata, datanetMetadataSchema, datanetMetadataUri } from "./metadata";
import { datanetPublication, type PublishedDatanet } from "./publish";
import { recordListSchema } from "./records";

/** Parses a route's id segment; throws InvalidInputError. */
export function parseId(segment: string, what = "id"): bigint {
  const parsed = onChainIdSchema.safeParse(segment);
  if (!parsed.success) throw new InvalidInputError(`${what} "${segment.slice(0, 80)}" is not a decimal on-chain id`, "INVALID_ID");
  return parsed.data;
}

/** What the wallet must send to publish a datanet: `publishDatanet(metadataURI, license, stake)` at the minimum stake (raise at will). */
export type DatanetDraft = MetadataDraftAnswer<DatanetMetadata>;

/** `POST /api/datanets`: validates metadata and answers the publish call to send. */
export async function draftDatanet(ctx: MarketplaceContext, body: unknown): Promise<DatanetDraft> {
  const metadata = parseInput(datanetMetadataSchema, body, { refuse: refuseMetadata });
  const minStake = await ctx.client.readContract({ address: ctx.registry, abi: upstreamRegistryAbi, functionName: "minDatanetStake" });
  const call = datanetPublication.draft(ctx, metadata, { stake: minStake });
  return { metadata, metadataUri: datanetMetadataUri(metadata), minStake, token: ctx.token, call };
}

/** INVALID_INPUT naming the first bad field in `details.field` (e.g. "licenseUrl", "tags.1"), so a form can show it there. */
function refuseMetadata({ issues, summary }: { issues: readonly { path: readonly PropertyKey[] }[]; summary: string }) {
  return new InvalidInputError(summary, "INVALID_INPUT", 400, { details: { field: issues[0]?.path.map(String).join(".") ?? null } });
}

/** A confirmation of a metadata publication: the transaction, and the metadata again for when this server lost the draft. */
export function confirmMetadataSchema<Metadata extends z.ZodType>(metadata: Metadata) {
  return z.strictObject({ txHash: txHashSchema, metadata: metadata.optional() });
}

/** `POST /api/datanets/confirm`: stores a published datanet once its receipt matches a draft. */
export async function confirmDatanet(ctx: MarketplaceContext, body: unknown): Promise<PublishedDatanet> {
  const { txHash, metadata } = parseInput(confirmMetadataSchema(datanetMetadataSchema), body);
  return datanetPublication.confirm({ ...ctx, txHash, draftFor: datanetPublication.heldOr(ctx, metadata) });
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

/**
 * `POST /api/datanets/[id]/contributions`: validates and hashes records; answers root, count and
 * the call. A record that copies earlier records of the datanet is refused (409
 * CONTRIBUTION_COPIES_EARLIER) and nothing is drafted.
 */
export async function draftContribution(ctx: MarketplaceContext, id: string, body: unknown): Promise<ContributionDraftAnswer> {
  const datanetId = parseId(id, "datanet id");
  const { contributor, records } = parseInput(draftContributionSchema, body);
  const prepared = prepareContribution(records, contributor);
  await requireDatanet(ctx.db, datanetId);
  // The registry would revert DatanetNotActive: refuse here, so no draft is kept and no wallet asked.
  const onChain = await ctx.client.readContract({
    address: ctx.registry,
    abi: upstreamRegistryAbi,
    functionName: "getDatanet",
    args: [datanetId],
  });
  if (!onChain.active) throw new DatanetClosedError(datanetId);
  // Before any transaction: a copy of earlier records would be anchored and stored for nothing.
  await refuseCopies(ctx.db, datanetId, records);
  const call = contributionPublication.draft(ctx, { ...prepared, datanetId, contributor });
  const { merkleRoot, recordCount } = prepared;
  return { datanetId, contributor, merkleRoot, recordCount, recordHashes: prepared.records.map((r) => r.hash), call };
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
    resent.records && resent.contributor
      ? { ...prepareContribution(resent.records, resent.contributor), datanetId, contributor: resent.contributor }
      : undefined;
  return contributionPublication.confirm({
    ...ctx,
    txHash: resent.txHash,
    draftFor: (event) => {
      // The URL names the datanet the caller meant; a transaction for another one is not this confirmation.
      if (event.datanetId !== datanetId) {
        throw new ReceiptMismatchError(`Transaction ${resent.txHash} contributes to datanet ${event.datanetId}, not ${datanetId}`);
      }
      return contributionPublication.held(ctx, event) ?? fallback;
    },
  });
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
  /** The contributor the registry holds for the contribution: the leaf binds it. */
  contributor: Address;
  /** The leaf `MerkleProof.verify` expects: `(contributor, position, recordHash)`, double-hashed. */
  leaf: Hex;
  proof: Hex[];
  /** The root the registry holds for the contribution. */
  merkleRoot: Hex;
  /** Whether `proof` verifies against that on-chain root under the on-chain contributor. */
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
  // The tree is rebuilt under the contributor the chain names, not the one stored here.
  const contributor = onChain.contributor;
  const proof = recordProof(
    contributor,
    rows.map((r) => r.hash),
    position,
  );
  return {
    contributionId,
    position,
    recordId: onChain.firstRecordId + BigInt(position),
    text: record.text,
    recordHash: record.hash,
    contributor,
    leaf: recordLeaf(contributor, position, record.hash),
    proof,
    merkleRoot: onChain.merkleRoot,
    verified: verifyRecordProof(onChain.merkleRoot, contributor, position, record.hash, proof),
  };
}
