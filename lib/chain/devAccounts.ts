import { type Address, bytesToHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/** anvil's default mnemonic: its first ten accounts are funded with 10,000 ETH at start. */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

/** What a dev account is used for in the local stack. */
export type DevAccountRole = "deployer" | "settler" | "user";

/** One of anvil's default accounts. Local chains only: these keys are public. */
export type DevAccount = {
  /** HD index under m/44'/60'/0'/0. */
  index: number;
  /** Checksummed address. */
  address: Address;
  /** Private key (public knowledge: never use on a real chain). */
  privateKey: Hex;
  /** 0 = deployer/admin/treasury, 1 = settler, 2..9 = demo users and contributors. */
  role: DevAccountRole;
  /** Short human label for logs and the demo UI. */
  label: string;
};

function devAccount(index: number): DevAccount {
  const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
  const key = account.getHdKey().privateKey;
  if (!key) throw new Error(`no private key derived for dev account ${index}`);
  const role: DevAccountRole = index === 0 ? "deployer" : index === 1 ? "settler" : "user";
  const label = index === 0 ? "deployer" : index === 1 ? "settler" : `user${index - 1}`;
  return { index, address: account.address, privateKey: bytesToHex(key), role, label };
}

/** anvil's ten default accounts with their roles. */
export const devAccounts: readonly DevAccount[] = Array.from({ length: 10 }, (_, i) => devAccount(i));
/** Account 0: deploys the contracts, holds the admin roles, receives protocol fees. */
export const deployerAccount: DevAccount = devAccounts[0];
/** Account 1: holds SETTLER_ROLE and submits settlement batches. */
export const settlerAccount: DevAccount = devAccounts[1];
/** Accounts 2..9: demo payers, model owners and data contributors. */
export const demoAccounts: readonly DevAccount[] = devAccounts.slice(2);
