/**
 * How much of a payer's deposit and of each permit is taken, relative to a chain snapshot at
 * block B: inferences the chain had not settled by B (still pending, or settled after B) plus
 * live holds. Adding these to the values read at B never under-counts, whatever the cache age.
 * And what the payer owes: inferences the market skipped for the payer's doing.
 */
import { sql } from "drizzle-orm";
import type { DbOrTransaction } from "@/db/client";
import { PAYER_SKIP_REASONS } from "@/lib/chain/settlement";
import { lower, type PaymentsContext } from "./context";

/** Amounts taken from one permit beyond what the chain shows at the snapshot block. */
export type PermitTaken = {
  /** Committed inferences not settled by the snapshot block. */
  unsettled: bigint;
  /** Live pending holds. */
  held: bigint;
};

/** An API key's state, read in the same statement (the same snapshot) as the rest. */
export type KeyTaken = {
  /** Live pending holds through the key. */
  held: bigint;
  /** Committed through the key. */
  spent: bigint;
  /** When it was revoked, or null. */
  revokedAt: Date | null;
};

/** A payer's usage relative to a snapshot block. */
export type Usage = {
  /** Committed inferences of the payer not settled by the snapshot block. */
  payerUnsettled: bigint;
  /** The payer's live pending holds. */
  payerHeld: bigint;
  /** What the payer owes: inferences the market skipped for the payer's doing (PAYER_SKIP_REASONS). */
  payerDebt: bigint;
  /** Per permit id. */
  permits: Map<string, PermitTaken>;
  /** Each API key asked about: its live pending holds, what it has spent, whether it is revoked. */
  keys: Map<string, KeyTaken>;
};

type Row = Record<string, unknown>;

async function rows(db: DbOrTransaction, query: ReturnType<typeof sql>): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}

const big = (v: unknown): bigint => BigInt((v ?? "0") as string);

// Constants, so written into the statement: its text (and plan) stays the same.
const debtReasons = sql.raw(PAYER_SKIP_REASONS.map((reason) => `'${reason}'`).join(", "));

/** What {@link usageOf} reads for one payer. */
export type UsageRequest = {
  /** The payer. */
  payer: string;
  /** Permits of the payer to report on. */
  permits: readonly { id: string }[];
  /** The block of the chain snapshot the usage is relative to. */
  blockNumber: bigint;
  /** API keys of the payer whose live holds to sum. */
  apiKeyIds?: readonly string[];
};

/**
 * Usage of each payer, of their permits and of their API keys (live holds, spent, revoked), each
 * relative to its snapshot block, in ONE statement — one snapshot, so an inference committed
 * meanwhile is seen either as held or as spent, never as neither; and each round trip counts.
 * Returns the usage by lowercase payer address.
 */
export async function usageOf(ctx: PaymentsContext, db: DbOrTransaction, requests: readonly UsageRequest[]): Promise<Map<string, Usage>> {
  const usages = new Map<string, Usage>(
    requests.map((r) => [lower(r.payer), { payerUnsettled: 0n, payerHeld: 0n, payerDebt: 0n, keys: new Map(), permits: new Map() }]),
  );
  if (requests.length === 0) return usages;
  // One statement of one shape whatever the batch (the rows travel as JSON): planned quickly,
  // where a union per payer, permit and key grew with the batch.
  const payers = requests.map((r) => ({ payer: lower(r.payer), block: r.blockNumber.toString() }));
  const permits = requests.flatMap((r) => r.permits.map((p) => ({ payer: lower(r.payer), id: p.id, block: r.blockNumber.toString() })));
  const keys = requests.flatMap((r) => (r.apiKeyIds ?? []).map((id) => ({ payer: lower(r.payer), id })));
  const cutoff = sql`${new Date(Date.now() - ctx.holdTtlMs).toISOString()}::timestamptz`;
  const result = await rows(
    db,
    sql`select 'payer' as kind, x.payer, null::uuid as id, null::timestamptz as revoked_at,
      (select coalesce(sum(price), 0) from inferences i where i.payer = x.payer and i.status = 'failed' and i.failure_reason in (${debtReasons}))
        as debt,
      (select coalesce(sum(price), 0) from inferences i where i.payer = x.payer and i.status = 'pending')
        + (select coalesce(sum(price), 0) from inferences i where i.payer = x.payer and i.status = 'settled' and i.settlement_block > x.block)
        as unsettled,
      (select coalesce(sum(amount), 0) from holds h where h.payer = x.payer and h.status = 'pending' and h.created_at > ${cutoff}) as held
    from jsonb_to_recordset(${JSON.stringify(payers)}::jsonb) as x(payer text, block bigint)
    union all
    select 'permit', x.payer, x.id, null, 0,
      (select coalesce(sum(price), 0) from inferences i where i.permit_id = x.id and i.status = 'pending')
        + (select coalesce(sum(price), 0) from inferences i where i.permit_id = x.id and i.status = 'settled' and i.settlement_block > x.block),
      (select coalesce(sum(amount), 0) from holds h where h.permit_id = x.id and h.status = 'pending' and h.created_at > ${cutoff})
    from jsonb_to_recordset(${JSON.stringify(permits)}::jsonb) as x(payer text, id uuid, block bigint)
    union all
    select 'key', x.payer, x.id, k.revoked_at, 0, k.spent,
      (select coalesce(sum(amount), 0) from holds h where h.api_key_id = x.id and h.status = 'pending' and h.created_at > ${cutoff})
    from jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as x(payer text, id uuid) join api_keys k on k.id = x.id`,
  );
  for (const r of result) {
    const usage = usages.get(r.payer as string)!;
    if (r.kind === "payer") {
      usage.payerUnsettled = big(r.unsettled);
      usage.payerHeld = big(r.held);
      usage.payerDebt = big(r.debt);
    } else if (r.kind === "permit") {
      usage.permits.set(r.id as string, { unsettled: big(r.unsettled), held: big(r.held) });
    } else {
      // For a key, the "unsettled" column carries what it has spent.
      usage.keys.set(r.id as string, {
        held: big(r.held),
        spent: big(r.unsettled),
        revokedAt: r.revoked_at ? new Date(r.revoked_at as string) : null,
      });
    }
  }
  return usages;
}

/** {@link usageOf} for one payer. */
export async function permitUsage(
  ctx: PaymentsContext,
  db: DbOrTransaction,
  payer: string,
  permits: readonly { id: string }[],
  blockNumber: bigint,
  apiKeyIds: readonly string[] = [],
): Promise<Usage> {
  return (await usageOf(ctx, db, [{ payer, permits, blockNumber, apiKeyIds }])).get(lower(payer))!;
}
