/**
 * The settler: takes committed inferences from the outbox in sequence order, settles them on
 * chain in batches (`UpstreamMarket.settleBatch`) and records each one's transaction. Exactly
 * once: the transaction hash is written before the transaction is sent, and on restart every
 * "submitted" row is reconciled against the chain before anything is sent again; the contract
 * skips ids it already settled, so a resubmitted batch never charges twice.
 */

export { outboxCounts, quarantinedRows, releaseQuarantined } from "./outbox";
export {
  createSettler,
  SettlementRevertedError,
  settlementWindowSeconds,
  type WithdrawalDelayBoundParameters,
  withdrawalDelayBoundSeconds,
} from "./settler";
export * from "./types";
