import { type Address, getAddress, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { devAccounts } from "./devAccounts";
import { hashSpendPermit, recoverSpendPermitSigner, type SignedSpendPermit, signSpendPermit } from "./permit";
import {
  decodePayouts,
  decodeSettlementBatch,
  distributableAmount,
  encodeSettlementBatch,
  protocolFee,
  SettlementEncodingError,
  type SettlementInference,
  skipReasonName,
} from "./settlement";

const addr = (label: string): Address => getAddress(`0x${keccak256(toHex(label)).slice(26)}`);
const permit = (payer: Address, nonce: bigint, cap = 1_000n): SignedSpendPermit => ({
  payer,
  spender: addr("settler"),
  cap,
  expiry: 2_000_000_000n,
  nonce,
  signature: `0x${"ab".repeat(65)}`,
});
const item = (id: bigint, p: SignedSpendPermit, payees: Address[], amounts: bigint[], price = 100n): SettlementInference => ({
  inferenceId: id,
  permit: p,
  modelId: 3n,
  price,
  attributionHash: keccak256(toHex(`proof ${id}`)),
  payouts: payees.map((payee, i) => ({ payee, amount: amounts[i] })),
});

describe("encodeSettlementBatch", () => {
  it("round-trips through decodeSettlementBatch with shared, sorted permit and payee tables", () => {
    const [a, b] = [addr("payer a"), addr("payer b")];
    const [x, y, z] = [addr("x"), addr("y"), addr("z")];
    const items = [
      item(1n, permit(a, 2n), [x, y, z], [1n, 2n, 97n]),
      item(2n, permit(b, 1n), [y], [100n]),
      item((1n << 64n) - 1n, permit(a, 1n), [z, x], [(1n << 96n) - 1n, 0n], (1n << 96n) - 1n),
      item(4n, permit(a, 2n), [], []),
    ];
    const batch = encodeSettlementBatch(items);
    expect(batch.payees).toEqual([x, y, z]);
    expect(batch.permits).toHaveLength(3);
    const sorted = [...batch.permits].sort((p, q) =>
      BigInt(p.payer) === BigInt(q.payer) ? Number(p.nonce - q.nonce) : BigInt(p.payer) < BigInt(q.payer) ? -1 : 1,
    );
    expect(batch.permits).toEqual(sorted);
    // 3 payees take two share words, 1 payee one, 2 payees one, none zero: 2 header words each.
    expect(batch.words).toHaveLength(4 + 3 + 3 + 2);
    const decoded = decodeSettlementBatch(batch);
    expect(decoded.map((d) => ({ ...d, permitIndex: undefined, payer: undefined }))).toEqual(
      items.map(({ permit: _p, ...rest }) => ({ ...rest, permitIndex: undefined, payer: undefined })),
    );
    expect(decoded.map((d) => d.payer)).toEqual([a, b, a, a]);
  });

  it("rejects values the contract would treat as malformed", () => {
    const p = permit(addr("a"), 1n);
    const bad = (x: Partial<SettlementInference>) => () => encodeSettlementBatch([{ ...item(1n, p, [addr("x")], [100n]), ...x }]);
    expect(() => encodeSettlementBatch([])).toThrow(SettlementEncodingError);
    expect(bad({ inferenceId: 1n << 64n })).toThrow(/id/);
    expect(bad({ modelId: -1n })).toThrow(/model id/);
    expect(bad({ price: 1n << 96n })).toThrow(/price/);
    expect(bad({ attributionHash: "0x1234" })).toThrow(/32 bytes/);
    expect(bad({ payouts: [{ payee: addr("x"), amount: 1n << 96n }] })).toThrow(/amount/);
    expect(bad({ payouts: [{ payee: "0x12" as Address, amount: 1n }] })).toThrow(/bad payee/);
    expect(() => encodeSettlementBatch([item(1n, p, [], []), item(2n, { ...p, cap: 5n }, [], [])])).toThrow(/two different permits/);
  });
});

describe("fees and payouts", () => {
  it("computes the fee rounded down and the distributable rest", () => {
    expect(protocolFee(2_000n, 250)).toBe(50n);
    expect(protocolFee(39n, 250)).toBe(0n);
    expect(protocolFee(41n, 250)).toBe(1n);
    expect(distributableAmount(41n, 250) + protocolFee(41n, 250)).toBe(41n);
  });

  it("decodes the packed payouts of InferenceSettled", () => {
    const payee = addr("someone");
    const word = (BigInt(payee) << 96n) | 12_345n;
    expect(decodePayouts([word])).toEqual([{ payee, amount: 12_345n }]);
  });

  it("names skip reasons and refuses unknown codes", () => {
    expect(skipReasonName(1)).toBe("AlreadySettled");
    expect(skipReasonName(7)).toBe("SplitMismatch");
    expect(() => skipReasonName(8)).toThrow(RangeError);
  });
});

describe("spend permit signatures", () => {
  it("recovers the payer from a signature bound to chain id and market", async () => {
    const account = privateKeyToAccount(devAccounts[4].privateKey);
    const market = addr("market");
    const unsigned = { payer: account.address, spender: addr("settler"), cap: 10n, expiry: 99n, nonce: 1n };
    const signed = await signSpendPermit({ signer: account, chainId: 31337, market, permit: unsigned });
    expect(await recoverSpendPermitSigner(31337, market, signed)).toBe(account.address);
    expect(await recoverSpendPermitSigner(1, market, signed)).not.toBe(account.address);
    expect(await recoverSpendPermitSigner(31337, addr("other market"), signed)).not.toBe(account.address);
    expect(hashSpendPermit(31337, market, unsigned)).not.toBe(hashSpendPermit(31337, market, { ...unsigned, nonce: 2n }));
  });
});
