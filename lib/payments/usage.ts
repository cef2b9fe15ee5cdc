/**
 * How much of a payer's deposit and of each permit is taken, relative to a chain snapshot at
 * block B: inferences the chain had not settled by B (still pending, or settled after B) plus
 * live holds. Adding these to the values read at B never under-counts, whatever the cache age.
 */
import { sql } from "drizzle-orm";
import type { DbOrTransaction } from "@/db/client";
import { lower, type PaymentsContext } from "./context";

/** Amounts taken from one permit beyond what the chain shows at the snapshot block. */
export type PermitTaken = {
  /** Committed inferences not settled by the snapshot block. */
  unsettled: bigint;
  /** Live pending holds. */
  held: bigint;
};

/** A payer's usage relative to a snapshot block. */
export type Usage = {
  /** Committed inferences of the payer not settled by the snapshot block. */
  payerUnsettled: bigint;
  /** The payer's live pending holds. */
  payerHeld: bigint;
  /** Per permit id. */
  permits: Map<string, PermitTaken>;
};

type Row = Record<string, unknown>;

async function rows(db: DbOrTransaction, query: ReturnType<typeof sql>): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}

const big = (v: unknown): bigint => BigInt((v ?? "0") as string);

/** Usage of `payer` and of the given permits, relative to `blockNumber`. */
export async function permitUsage(
  ctx: PaymentsContext,
  db: DbOrTransaction,
  payer: string,
  permits: readonly { id: string }[],
  blockNumber: bigint,
): Promise<Usage> {
  const cutoff = new Date(Date.now() - ctx.holdTtlMs).toISOString();
  const p = lower(payer);
  const block = blockNumber.toString();
  const [totals] = await rows(
    db,
    sql`select
      (select coalesce(sum(price), 0) from inferences where payer = ${p} and status = 'pending')
        + (select coalesce(sum(price), 0) from inferences where payer = ${p} and status = 'settled' and settlement_block > ${block}::bigint)
        as unsettled,
      (select coalesce(sum(amount), 0) from holds where payer = ${p} and status = 'pending' and created_at > ${cutoff}::timestamptz)
        as held`,
  );
  const map = new Map<string, PermitTaken>();
  if (permits.length > 0) {
    const ids = sql.join(
      permits.map((x) => sql`${x.id}::uuid`),
      sql`, `,
    );
    const perPermit = await rows(
      db,
      sql`select p.id as id,
        (select coalesce(sum(price), 0) from inferences i where i.permit_id = p.id and i.status = 'pending')
          + (select coalesce(sum(price), 0) from inferences i where i.permit_id = p.id and i.status = 'settled' and i.settlement_block > ${block}::bigint)
          as unsettled,
        (select coalesce(sum(amount), 0) from holds h where h.permit_id = p.id and h.status = 'pending' and h.created_at > ${cutoff}::timestamptz)
          as held
      from spend_permits p where p.id in (${ids})`,
    );
    for (const r of perPermit) map.set(r.id as string, { unsettled: big(r.unsettled), held: big(r.held) });
  }
  return { payerUnsettled: big(totals.unsettled), payerHeld: big(totals.held), permits: map };
}

/** Live pending holds taken through an API key. */
export async function keyHeld(ctx: PaymentsContext, db: DbOrTransaction, apiKeyId: string): Promise<bigint> {
  const cutoff = new Date(Date.now() - ctx.holdTtlMs).toISOString();
  const [r] = await rows(
    db,
    sql`select coalesce(sum(amount), 0) as held from holds
      where api_key_id = ${apiKeyId}::uuid and status = 'pending' and created_at > ${cutoff}::timestamptz`,
  );
  return big(r.held);
}
