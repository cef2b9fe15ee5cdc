/**
 * Contributing records to a datanet: validate and hash the records, anchor their Merkle root
 * and count with `addContribution`, and store the texts under the contribution id the
 * registry's ContributionAdded event names — only after the event matches the records.
 */

import { eq } from "drizzle-orm";
import { type Address, getAddress, type Hex, isAddressEqual } from "viem";
import type { DbOrTransaction } from "@/db/client";
import { getDatanet, saveContribution } from "@/db/marketplace";
import { contributions } from "@/db/schema";
import { DraftNotFoundError, ReceiptMismatchError } from "@/lib/publication/errors";
import { definePublication, type SendPublicationParameters } from "@/lib/publication/flow";
import { DatanetNotFoundError } from "./errors";
import { contributionRoot } from "./merkle";
import { type HashedRecord, hashRecords } from "./records";

/** Records ready to anchor: validated, hashed, with their Merkle root. */
export type PreparedContribution = {
  /** The records in leaf order, each with its hash. */
  records: HashedRecord[];
  /** Merkle root over the record hashes (see `merkle.ts`). */
  merkleRoot: Hex;
  /** Number of records; anchored on chain with the root. */
  recordCount: number;
};

/** What the server keeps between drafting a contribution and its confirmation. */
export type ContributionDraft = PreparedContribution & {
  /** The datanet it goes to. */
  datanetId: bigint;
  /** The account that is to send the transaction. */
  contributor: Address;
};

/** A contribution as stored after its confirmation. */
export type ConfirmedContribution = {
  /** The registry's contribution id (on-chain order). */
  id: bigint;
  /** The datanet it belongs to. */
  datanetId: bigint;
  /** The contributor (checksummed), the sender of the transaction. */
  contributor: Address;
  /** The anchored Merkle root. */
  merkleRoot: Hex;
  /** Records anchored. */
  recordCount: number;
  /** On-chain id of the first record; record `i` has id `firstRecordId + i`. */
  firstRecordId: bigint;
  /** The anchoring transaction. */
  txHash: Hex;
  /** False when it was already stored (a repeated confirmation). */
  created: boolean;
};

/**
 * Validates and hashes records and computes their root for `contributor`, the account that will send
 * the transaction (the root binds it: see `merkle.ts`); throws InvalidRecordsError.
 */
export function prepareContribution(records: unknown, contributor: Address): PreparedContribution {
  const hashed = hashRecords(records);
  return {
    records: hashed,
    merkleRoot: contributionRoot(
      contributor,
      hashed.map((r) => r.hash),
    ),
    recordCount: hashed.length,
  };
}

/** Throws DatanetNotFoundError unless the datanet is stored (records can only go to a known datanet). */
export async function requireDatanet(db: DbOrTransaction, datanetId: bigint): Promise<void> {
  if (!(await getDatanet(db, datanetId))) throw new DatanetNotFoundError(datanetId);
}

/** The key a contribution draft is kept under: what the on-chain event will say. */
export function contributionDraftKey(datanetId: bigint, contributor: Address, merkleRoot: Hex): string {
  return `${datanetId}:${contributor.toLowerCase()}:${merkleRoot.toLowerCase()}`;
}

/**
 * The contribution flow: drafts are prepared records kept under what the ContributionAdded
 * event will say; a confirmation stores them under the event's contribution id, in leaf order,
 * only if the event anchors exactly them (datanet, contributor, the root recomputed under the
 * event's contributor, count).
 */
export const contributionPublication = definePublication({
  drafts: "contributions",
  draftKey: (draft: ContributionDraft) => contributionDraftKey(draft.datanetId, draft.contributor, draft.merkleRoot),
  call: (draft) => ({ functionName: "addContribution", args: [draft.datanetId, draft.merkleRoot, draft.recordCount] }),
  event: "ContributionAdded",
  eventKey: (args) => contributionDraftKey(args.datanetId, args.contributor, args.merkleRoot),
  async store({ db, event: { args, transactionHash }, draft: draftFor }): Promise<ConfirmedContribution> {
    const confirmed = (recordCount: number, created: boolean): ConfirmedContribution => ({
      id: args.contributionId,
      datanetId: args.datanetId,
      contributor: getAddress(args.contributor),
      merkleRoot: args.merkleRoot,
      recordCount,
      firstRecordId: args.firstRecordId,
      txHash: transactionHash,
      created,
    });
    // A repeated confirmation: the records were stored when it first succeeded.
    const [stored] = await db.select().from(contributions).where(eq(contributions.id, args.contributionId));
    if (stored && stored.merkleRoot === args.merkleRoot.toLowerCase() && stored.txHash === transactionHash.toLowerCase()) {
      return confirmed(stored.recordCount, false);
    }
    const draft = draftFor();
    if (!draft) throw new DraftNotFoundError(`contribution root ${args.merkleRoot} to datanet ${args.datanetId}`);
    if (draft.datanetId !== args.datanetId) {
      throw new ReceiptMismatchError(`The transaction contributes to datanet ${args.datanetId}, not ${draft.datanetId}`);
    }
    if (!isAddressEqual(draft.contributor, args.contributor)) {
      throw new ReceiptMismatchError(`The transaction was sent by ${args.contributor}, not by ${draft.contributor}`);
    }
    // Never trust the draft's own root: recompute it from the texts that will be stored, under the
    // transaction's sender. A copy of someone else's transaction anchors their root, not this one.
    const root = contributionRoot(
      args.contributor,
      draft.records.map((r) => r.hash),
    );
    if (root !== args.merkleRoot.toLowerCase() || draft.merkleRoot.toLowerCase() !== root) {
      throw new ReceiptMismatchError(`The transaction anchors root ${args.merkleRoot}, but these records have root ${root}`);
    }
    if (BigInt(draft.records.length) !== args.recordCount) {
      throw new ReceiptMismatchError(`The transaction anchors ${args.recordCount} records, but the draft has ${draft.records.length}`);
    }
    await requireDatanet(db, args.datanetId);
    const created = await saveContribution(db, {
      id: args.contributionId,
      datanetId: args.datanetId,
      contributor: args.contributor,
      merkleRoot: args.merkleRoot,
      txHash: transactionHash,
      records: draft.records,
    });
    return confirmed(draft.records.length, created);
  },
});

/** Parameters of {@link contributeRecords}; the wallet is the contributor's. */
export type ContributeRecordsParameters = SendPublicationParameters & {
  /** The datanet to contribute to. */
  datanetId: bigint;
  /** Record texts in order (validated here). */
  records: readonly string[];
};

/** Validates, hashes and anchors records from `wallet`, waits for the receipt, and stores them. */
export async function contributeRecords({ datanetId, records, ...params }: ContributeRecordsParameters): Promise<ConfirmedContribution> {
  const contributor = params.wallet.account.address;
  const prepared = prepareContribution(records, contributor);
  await requireDatanet(params.db, datanetId);
  return contributionPublication.send(params, { ...prepared, datanetId, contributor });
}
