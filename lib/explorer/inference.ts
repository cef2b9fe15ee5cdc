/**
 * One paid inference as the explorer shows it: what was asked and answered, which records were
 * retrieved and credited, how the price was split, and where its settlement stands.
 */
import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { DbOrTransaction } from "@/db/client";
import { getModel, recordColumns } from "@/db/marketplace";
import { contributions, inferences, outbox, records } from "@/db/schema";
import { fromIndexer, type MarketplaceSource } from "@/lib/marketplace/source";
import { InferenceNotFoundError } from "./errors";
import type { InferenceRef } from "./ids";
import { parseStoredProof } from "./proof";

type InferenceRow = typeof inferences.$inferSelect;

/** A credited span of the answer, with who it is credited to. */
export type CreditedSpan = {
  /** UTF-16 offset of the span in the answer. */
  charStart: number;
  /** UTF-16 offset just after it. */
  charEnd: number;
  /** Output tokens it earned credit for. */
  tokens: number;
  /** Found in too many records to be worth anything. */
  common: boolean;
  /** A gapped match (engine version 2): pieces of one record with a few words between. */
  gapped: boolean;
  /** Records credited for it (empty when common). */
  records: { id: string; contributor: Address | null }[];
};

/** A record that took part in the inference: retrieved into the context, credited, or both. */
export type InferenceRecord = {
  /** `<contributionId>:<position>`, as in the proof. */
  id: string;
  /** The contributor paid for it. */
  contributor: Address | null;
  /** Its datanet, when the record is stored. */
  datanetId: string | null;
  /** Its text, when stored (the page shortens it). */
  text: string | null;
  /** 1-based rank in the retrieved context, or null when it was not retrieved. */
  retrievedRank: number | null;
  /** Final share of the contributors' pool in [0, 1]. */
  score: number;
  /** Credit from matched spans, in output tokens. */
  spanCredit: number;
  /** Influence as a context record. */
  contextInfluence: number;
  /** The earlier record that takes this copy's credit, when it is one. */
  copyOf: string | null;
};

/**
 * One part of the split. "unexplained" (engine version 2): the part of the contributors' pool the
 * data did not explain, paid to the recipient the model's declared policy names.
 */
export type SplitRow = { role: "contributor" | "owner" | "protocol" | "unexplained"; address: Address | null; amount: bigint };

/** Where the inference's settlement stands. */
export type SettlementState =
  | { status: "pending"; outbox: { status: string; attempts: number; lastError: string | null; txHash: Hex | null } | null }
  | { status: "settled"; transactionHash: Hex | null; blockNumber: bigint | null; settledAt: Date | null; indexed: boolean | null }
  | { status: "skipped"; reason: string | null };

/** Everything the inference page shows. */
export type InferenceDetail = {
  /** Server id (uuid). */
  id: string;
  /** The on-chain inference id (decimal). */
  onChainId: string;
  /** The model that answered, as stored now. */
  model: { id: string; name: string | null; owner: Address | null };
  /** The paying account. */
  payer: Address;
  /** Price charged, in token base units. */
  price: bigint;
  /** The prompt as the model saw it. */
  prompt: string;
  /** The answer. */
  output: string;
  /** When it was served. */
  createdAt: Date;
  /** keccak256 of the canonical proof, as sent on chain. */
  attributionHash: Hex;
  /** The stored proof could be read (a malformed one shows nothing but the hash). */
  proofReadable: boolean;
  /** Engine version and the index the answer was matched against. */
  engine: string | null;
  /** Where the proof's declared policy sends the unexplained pool ("owner", "treasury"); null before engine version 2. */
  unexplainedPool: string | null;
  index: { snapshot: string; records: number; tokens: number } | null;
  /** Credited (and common) spans in answer order. */
  spans: CreditedSpan[];
  /** Retrieved records in rank order, then credited records that were not retrieved. */
  records: InferenceRecord[];
  /** The proof's split: protocol, owner, contributors. */
  split: SplitRow[];
  /** Sum of the split; equals `price` for a sound proof. */
  splitTotal: bigint;
  /** What was sent to the market: payees and amounts (the protocol fee is the remainder). */
  payouts: { payee: Address; amount: bigint }[];
  /** Settlement state. */
  settlement: SettlementState;
  /** Share of the model's paid inferences' revenue that came from its owner or its contributors. */
  selfPaid: SelfPaidShare;
};

/** Revenue of a model that its own owner or contributors paid: the wash-trading signal. */
export type SelfPaidShare = { total: bigint; selfPaid: bigint };

/** Reads one stored inference; throws InferenceNotFoundError. */
export async function loadInferenceRow(db: DbOrTransaction, ref: InferenceRef): Promise<InferenceRow> {
  const label = "uuid" in ref ? ref.uuid : ref.onChainId.toString();
  // bigserial is int8: a larger on-chain id cannot be stored, and would not bind.
  if ("onChainId" in ref && ref.onChainId >= 2n ** 63n) throw new InferenceNotFoundError(label);
  const [row] = await db
    .select()
    .from(inferences)
    .where("uuid" in ref ? eq(inferences.id, ref.uuid) : eq(inferences.settlementSeq, ref.onChainId))
    .limit(1);
  if (!row) throw new InferenceNotFoundError(label);
  return row;
}

/** Record rows by proof id (`<contributionId>:<position>`); ids that are not stored are absent. */
export async function recordsById(db: DbOrTransaction, ids: readonly string[]) {
  const keys = [...new Set(ids)]
    .map((id) => /^(\d{1,20}):(\d{1,9})$/.exec(id))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ contributionId: BigInt(m[1]), position: Number(m[2]) }));
  if (keys.length === 0) return new Map<string, typeof records.$inferSelect>();
  const rows = await db
    .select(recordColumns)
    .from(records)
    .where(or(...keys.map((k) => and(eq(records.contributionId, k.contributionId), eq(records.position, k.position)))));
  return new Map(rows.map((r) => [`${r.contributionId}:${r.position}`, r]));
}

/** The inference page's data; throws InferenceNotFoundError. */
export async function getInferenceDetail(source: MarketplaceSource, ref: InferenceRef): Promise<InferenceDetail> {
  const { db } = source;
  const row = await loadInferenceRow(db, ref);
  const proof = parseStoredProof(row.attribution);
  const model = await getModel(db, row.modelId);

  const copyOf = new Map((proof?.duplicates ?? []).map((d) => [d.id, d.original]));
  const scores = new Map((proof?.records ?? []).map((r) => [r.id, r]));
  const context = row.retrievedRecordIds;
  const ids = [...new Set([...context, ...(proof?.records ?? []).map((r) => r.id), ...copyOf.values()])];
  const stored = await recordsById(db, ids);
  const contributorOf = (id: string): Address | null =>
    (scores.get(id)?.contributor as Address | undefined) ?? stored.get(id)?.contributor ?? null;

  const recordsShown: InferenceRecord[] = ids.map((id) => {
    const score = scores.get(id);
    const rank = context.indexOf(id);
    const row = stored.get(id);
    return {
      id,
      contributor: contributorOf(id),
      datanetId: row ? row.datanetId.toString() : null,
      text: row?.text ?? null,
      retrievedRank: rank < 0 ? null : rank + 1,
      score: score?.score ?? 0,
      spanCredit: score?.spanCredit ?? 0,
      contextInfluence: score?.contextInfluence ?? 0,
      copyOf: copyOf.get(id) ?? null,
    };
  });

  const split: SplitRow[] = (proof?.split ?? []).map((p) => ({
    role: p.role,
    address: (p.address as Address | undefined) ?? null,
    amount: p.amount,
  }));
  return {
    id: row.id,
    onChainId: row.settlementSeq.toString(),
    model: { id: row.modelId.toString(), name: model?.name ?? null, owner: model?.owner ?? null },
    payer: row.payer,
    price: row.price,
    prompt: row.prompt,
    output: row.output,
    createdAt: row.createdAt,
    attributionHash: row.attributionHash,
    proofReadable: proof !== null,
    engine: proof?.engine ?? null,
    unexplainedPool: typeof proof?.policy.unexplainedPool === "string" ? proof.policy.unexplainedPool : null,
    index: proof?.index ?? null,
    spans: (proof?.spans ?? []).map((s) => ({
      charStart: s.charStart,
      charEnd: s.charEnd,
      tokens: s.tokens,
      common: s.common,
      gapped: s.gapped === true,
      records: s.records.map((id) => ({ id, contributor: contributorOf(id) })),
    })),
    records: recordsShown,
    split,
    splitTotal: split.reduce((sum, p) => sum + p.amount, 0n),
    payouts: row.payees.map((payee, i) => ({ payee, amount: row.amounts[i] ?? 0n })),
    settlement: await settlementOf(source, row),
    selfPaid: await selfPaidShare(db, row.modelId, model?.owner ?? null, model?.datanetIds ?? []),
  };
}

async function settlementOf(source: MarketplaceSource, row: InferenceRow): Promise<SettlementState> {
  if (row.status === "failed") return { status: "skipped", reason: row.failureReason };
  if (row.status === "settled") {
    const indexed = await fromIndexer(source, (indexer) => indexer.getSettlement(row.settlementSeq));
    return {
      status: "settled",
      transactionHash: row.settlementTxHash ?? indexed?.txHash ?? null,
      blockNumber: row.settlementBlock ?? indexed?.blockNumber ?? null,
      settledAt: row.settledAt,
      // Whether the indexer has seen the settlement event (null: the indexer could not be asked).
      indexed: source.indexer ? indexed !== null : null,
    };
  }
  const [queued] = await source.db.select().from(outbox).where(eq(outbox.seq, row.settlementSeq)).limit(1);
  return {
    status: "pending",
    outbox: queued ? { status: queued.status, attempts: queued.attempts, lastError: queued.lastError, txHash: queued.txHash } : null,
  };
}

/**
 * How much of a model's revenue (settled and pending inferences) its owner or the contributors
 * of its datanets paid themselves. Such payments only move money in a circle minus the fee,
 * so a high share says the usage is not what it seems.
 */
export async function selfPaidShare(
  db: DbOrTransaction,
  modelId: bigint,
  owner: Address | null,
  datanetIds: readonly bigint[],
): Promise<SelfPaidShare> {
  const insiders = datanetIds.length
    ? db
        .selectDistinct({ address: contributions.contributor })
        .from(contributions)
        .where(inArray(contributions.datanetId, [...datanetIds]))
    : null;
  const [result] = await db
    .select({
      total: sql<string | null>`sum(${inferences.price})::text`,
      selfPaid: sql<string | null>`(sum(${inferences.price}) filter (where ${inferences.payer} = ${owner ?? ""} ${
        insiders ? sql`or ${inferences.payer} in (${insiders})` : sql``
      }))::text`,
    })
    .from(inferences)
    .where(and(eq(inferences.modelId, modelId), sql`${inferences.status} <> 'failed'`));
  return { total: BigInt(result?.total ?? "0"), selfPaid: BigInt(result?.selfPaid ?? "0") };
}

/** The stored proof exactly as kept (amounts as decimal strings) with its hash, for anyone to re-check. */
export async function getStoredProof({ db }: MarketplaceSource, ref: InferenceRef): Promise<{ hash: Hex; proof: unknown }> {
  const row = await loadInferenceRow(db, ref);
  return { hash: row.attributionHash, proof: row.attribution };
}
