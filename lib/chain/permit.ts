import {
  type Account,
  type Address,
  type Hex,
  hashTypedData,
  type LocalAccount,
  recoverTypedDataAddress,
  type TypedDataDomain,
  type WalletClient,
} from "viem";

/** EIP-712 domain name and version of UpstreamMarket. */
/** EIP-2612 `Permit` typed-data types of the payment token (approval by signature, for deposits). */
export const erc2612PermitTypes = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const MARKET_DOMAIN = { name: "UpstreamMarket", version: "1" } as const;

/** EIP-712 types of a spend permit, exactly as UpstreamMarket hashes them. */
export const spendPermitTypes = {
  SpendPermit: [
    { name: "payer", type: "address" },
    { name: "spender", type: "address" },
    { name: "cap", type: "uint256" },
    { name: "expiry", type: "uint256" },
    { name: "nonce", type: "uint256" },
  ],
} as const;

/** A payer's consent to be charged up to `cap` by `spender` until `expiry`. */
export type SpendPermit = {
  /** The account charged. */
  payer: Address;
  /** The settler allowed to submit settlements under it. */
  spender: Address;
  /** Most that may ever be charged under it, in token units. */
  cap: bigint;
  /** Unix time (seconds) after which nothing may be charged. */
  expiry: bigint;
  /** Names the permit: one (payer, nonce), one permit. */
  nonce: bigint;
};

/** A spend permit with the payer's signature. */
export type SignedSpendPermit = SpendPermit & {
  /** 65-byte ECDSA signature (or an ERC-1271 signature for a contract payer). */
  signature: Hex;
};

/** The EIP-712 domain of the market at `market` on `chainId`. */
export function spendPermitDomain(chainId: number, market: Address): TypedDataDomain {
  return { ...MARKET_DOMAIN, chainId, verifyingContract: market };
}

/** The EIP-712 digest of a spend permit (equals UpstreamMarket.hashSpendPermit). */
export function hashSpendPermit(chainId: number, market: Address, permit: SpendPermit): Hex {
  return hashTypedData({
    domain: spendPermitDomain(chainId, market),
    types: spendPermitTypes,
    primaryType: "SpendPermit",
    message: permit,
  });
}

/** Parameters of {@link signSpendPermit}. */
export type SignSpendPermitParameters = {
  /** A local account, or a wallet client with an account (a browser wallet). */
  signer: LocalAccount | WalletClient;
  /** Chain id of the market. */
  chainId: number;
  /** The market's address. */
  market: Address;
  /** The permit to sign; `payer` must be the signer. */
  permit: SpendPermit;
};

/** Signs a spend permit with EIP-712 and returns it with its signature. */
export async function signSpendPermit({ signer, chainId, market, permit }: SignSpendPermitParameters): Promise<SignedSpendPermit> {
  const typedData = {
    domain: spendPermitDomain(chainId, market),
    types: spendPermitTypes,
    primaryType: "SpendPermit" as const,
    message: permit,
  };
  let signature: Hex;
  if ("type" in signer && signer.type === "local") {
    signature = await (signer as LocalAccount).signTypedData(typedData);
  } else {
    const client = signer as WalletClient;
    const account = (client.account ?? permit.payer) as Account | Address;
    signature = await client.signTypedData({ account, ...typedData });
  }
  return { ...permit, signature };
}

/** The address that signed a spend permit (compare with `payer`; EOA signatures only). */
export async function recoverSpendPermitSigner(chainId: number, market: Address, signed: SignedSpendPermit): Promise<Address> {
  const { signature, ...permit } = signed;
  return recoverTypedDataAddress({
    domain: spendPermitDomain(chainId, market),
    types: spendPermitTypes,
    primaryType: "SpendPermit",
    message: permit,
    signature,
  });
}

/** Largest cap UpstreamMarket keeps for a nonce (uint96); a larger cap counts as this. */
export const MAX_STORED_CAP = (1n << 96n) - 1n;
/** Largest expiry UpstreamMarket keeps for a nonce (uint64); a later one counts as this. */
export const MAX_STORED_EXPIRY = (1n << 64n) - 1n;

/**
 * The terms UpstreamMarket keeps for a permit's (payer, nonce) once it charged under it
 * (`PermitState.cap`, `.expiry`): a later permit under that nonce settles only if its terms are
 * these, compared whole (no hash that could collide).
 */
export function storedPermitTerms(permit: Pick<SpendPermit, "cap" | "expiry">): { cap: bigint; expiry: bigint } {
  return {
    cap: permit.cap < MAX_STORED_CAP ? permit.cap : MAX_STORED_CAP,
    expiry: permit.expiry < MAX_STORED_EXPIRY ? permit.expiry : MAX_STORED_EXPIRY,
  };
}
