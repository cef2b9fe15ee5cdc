/**
 * The zod primitives of chain values, shared by every input schema on the server and every wire
 * schema the browser parses with: decimal uint256 strings become bigints, addresses come out
 * checksummed, hashes lowercase.
 */
import { type Address, getAddress, type Hex, isAddress, maxUint256 } from "viem";
import { z } from "zod";

const decimalUint = (message: string) =>
  z
    .string()
    .regex(/^(0|[1-9]\d{0,77})$/, message)
    .transform((v) => BigInt(v))
    .refine((v) => v <= maxUint256, "is out of the uint256 range");

/** A uint256 as JSON carries it: a decimal string without sign or leading zeros, as a bigint. */
export const decimalUint256Schema = decimalUint("must be a decimal integer");

/** An on-chain id (datanet, contribution, model, inference) as a decimal string, as a bigint. */
export const onChainIdSchema = decimalUint("must be a decimal on-chain id");

/** A 0x-prefixed 20-byte address in any case, checksummed on output. */
export const addressSchema = z
  .string()
  .trim()
  .refine((v) => isAddress(v, { strict: false }), "must be a 0x-prefixed 20-byte address")
  .transform((v): Address => getAddress(v));

/** 32 bytes of 0x-prefixed hex (a hash), lowercase on output. */
export const bytes32Schema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of 0x-prefixed hex")
  .transform((v) => v.toLowerCase() as Hex);

/** A transaction hash, lowercase on output. */
export const txHashSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte transaction hash")
  .transform((v) => v.toLowerCase() as Hex);

/** A time as JSON carries a Date (ISO 8601), as a Date. */
export const isoDateSchema = z.iso.datetime().transform((v) => new Date(v));
