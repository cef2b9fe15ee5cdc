/** What every handler records about where an event happened. */
import type { Hex } from "viem";

interface LoggedEvent {
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number };
  transaction: { hash: Hex };
}

/** Time (unix seconds), block and transaction of an event. */
export function origin(event: LoggedEvent) {
  return { createdAt: event.block.timestamp, blockNumber: event.block.number, txHash: event.transaction.hash };
}

/**
 * A chain-wide sort key: block, then log index, then a position inside the log (a payout's
 * index). Pages of settlements and credits are cut on it.
 */
export function ordinal(event: LoggedEvent, position = 0): bigint {
  return (event.block.number << 40n) | (BigInt(event.log.logIndex) << 16n) | BigInt(position);
}

/** The Registry's `Subject` enum by value. */
export const SUBJECTS = ["datanet", "model"] as const;

/** The Registry's `ModelStatus` enum by value (one list with the app's model sync). */
export { MODEL_STATUSES } from "../../lib/models/status";
