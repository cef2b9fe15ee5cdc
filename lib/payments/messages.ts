/**
 * The plain-text messages a payer signs in the wallet (personal_sign) to create or revoke an API
 * key. Each names everything it authorises, so a signature cannot be reused for something else.
 */
import { getAddress } from "viem";

/** Fields of an API key creation message. */
export type ApiKeyCreationFields = {
  /** The payer the key spends for. */
  payer: string;
  /** The permit the key spends under. */
  permitId: string;
  /** Most the key may ever spend, in token units. */
  spendCap: bigint;
  /** The payer's name for the key (one line). */
  label: string;
  /** ISO 8601 time of signing; a message older than ten minutes is refused. */
  issuedAt: string;
};

const CREATE_TITLE = "Upstream: create an API key";
const REVOKE_TITLE = "Upstream: revoke an API key";

/** The message a payer signs (personal_sign) to create an API key. */
export function apiKeyCreationMessage(fields: ApiKeyCreationFields): string {
  return [
    CREATE_TITLE,
    `Payer: ${getAddress(fields.payer)}`,
    `Permit: ${fields.permitId.toLowerCase()}`,
    `Spend cap: ${fields.spendCap.toString(10)} token units`,
    `Label: ${fields.label}`,
    `Issued at: ${fields.issuedAt}`,
  ].join("\n");
}

/** The `Issued at` time of a creation message, or undefined when it has none. */
export function issuedAtOf(message: string): string | undefined {
  return /^Issued at: (.+)$/m.exec(message)?.[1];
}

/** The message a payer signs (personal_sign) to revoke an API key. */
export function apiKeyRevocationMessage(fields: { payer: string; keyId: string }): string {
  return [REVOKE_TITLE, `Payer: ${getAddress(fields.payer)}`, `Key: ${fields.keyId.toLowerCase()}`].join("\n");
}
