/**
 * `npm run deploy -- --rpc-url URL --private-key KEY [--token ADDR] [--settler ADDR] [--treasury ADDR] [--disputer ADDR]
 * [--fee-bps N] [--withdrawal-delay SECONDS] [--withdrawal-window SECONDS] [--out FILE]`
 * Deploys the Upstream contracts and writes the deployment JSON (default `.data/deployment.json`)
 * that the app, the indexer and the settler read. Env fallbacks: RPC_URL, DEPLOYER_PRIVATE_KEY,
 * TOKEN_ADDRESS, SETTLER_ADDRESS, TREASURY_ADDRESS, DISPUTER_ADDRESS, DEPLOYMENT_FILE.
 * The disputer (the registry's DISPUTE_ROLE) must not be the deployer; without one nobody can slash
 * until the admin grants the role to another account. A withdrawal delay shorter than the
 * settlement bound of SETTLE_MAX_WAIT_MS is refused (`withdrawalDelayBoundSeconds`).
 */

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { isHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { type Deployment, deployUpstream, writeDeployment } from "@/lib/chain/deploy";
import { PAYMENT_DEFAULTS } from "@/lib/payments";
import { withdrawalDelayBoundSeconds } from "@/lib/settlement";
import { addressSchema as address } from "@/lib/wire/primitives";

const argsSchema = z.object({
  rpcUrl: z.url({ message: "must be an http(s) URL, e.g. http://127.0.0.1:8545" }),
  privateKey: z
    .string()
    .refine((v) => isHex(v) && v.length === 66, { message: "must be a 0x-prefixed 32-byte hex key" })
    .transform((v) => v as `0x${string}`),
  token: address.optional(),
  settler: address.optional(),
  treasury: address.optional(),
  disputer: address.optional(),
  feeBps: z.coerce.number().int().min(0).max(1000).optional(),
  withdrawalDelay: z.coerce.bigint().min(0n).optional(),
  withdrawalWindow: z.coerce.bigint().min(1n).optional(),
  /** The settler's SETTLE_MAX_WAIT_MS, which the withdrawal delay must cover (same bounds as lib/config). */
  settleMaxWaitMs: z.coerce.number().int().min(0).max(3_600_000).default(2_000),
  /** SETTLE_CONFIRMATIONS and CHAIN_BLOCK_TIME_MS: the confirmations' time is part of the bound. */
  settleConfirmations: z.coerce.number().int().min(1).max(1000).default(1),
  chainBlockTimeMs: z.coerce.number().int().min(0).max(3_600_000).default(2_000),
  out: z.string().min(1),
});

/** Parsed and validated command line of `npm run deploy`. */
export type DeployArgs = z.infer<typeof argsSchema>;

/** Bad or missing command-line values; the message names each one. */
export class DeployArgsError extends Error {
  readonly code = "DEPLOY_ARGS_INVALID";
}

/** Parses `argv` (without node and script) with env fallbacks; throws DeployArgsError on bad values. */
export function parseDeployArgs(argv: string[], env: Record<string, string | undefined> = process.env): DeployArgs {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        "rpc-url": { type: "string" },
        "private-key": { type: "string" },
        token: { type: "string" },
        settler: { type: "string" },
        treasury: { type: "string" },
        disputer: { type: "string" },
        "fee-bps": { type: "string" },
        "withdrawal-delay": { type: "string" },
        "withdrawal-window": { type: "string" },
        out: { type: "string" },
      },
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new DeployArgsError(error instanceof Error ? error.message : String(error));
  }
  const parsed = argsSchema.safeParse({
    rpcUrl: values["rpc-url"] ?? env.RPC_URL,
    privateKey: values["private-key"] ?? env.DEPLOYER_PRIVATE_KEY,
    token: values.token ?? (env.TOKEN_ADDRESS || undefined),
    settler: values.settler ?? (env.SETTLER_ADDRESS || undefined),
    treasury: values.treasury ?? (env.TREASURY_ADDRESS || undefined),
    disputer: values.disputer ?? (env.DISPUTER_ADDRESS || undefined),
    feeBps: values["fee-bps"],
    withdrawalDelay: values["withdrawal-delay"],
    withdrawalWindow: values["withdrawal-window"],
    settleMaxWaitMs: env.SETTLE_MAX_WAIT_MS || undefined,
    settleConfirmations: env.SETTLE_CONFIRMATIONS || undefined,
    chainBlockTimeMs: env.CHAIN_BLOCK_TIME_MS || undefined,
    out: values.out ?? env.DEPLOYMENT_FILE ?? ".data/deployment.json",
  });
  if (!parsed.success) {
    const names: Record<string, string> = {
      rpcUrl: "--rpc-url / RPC_URL",
      privateKey: "--private-key / DEPLOYER_PRIVATE_KEY",
      settleMaxWaitMs: "SETTLE_MAX_WAIT_MS",
      settleConfirmations: "SETTLE_CONFIRMATIONS",
      chainBlockTimeMs: "CHAIN_BLOCK_TIME_MS",
    };
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      return `${names[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`}: ${
        issue.code === "invalid_type" ? "required" : issue.message
      }`;
    });
    throw new DeployArgsError(`bad arguments:\n  ${lines.join("\n  ")}`);
  }
  return parsed.data;
}

/** Deploys with parsed arguments; settler and treasury default to the deployer. */
export async function runDeploy(args: DeployArgs): Promise<Deployment> {
  const deployer = privateKeyToAccount(args.privateKey).address;
  const deployment = await deployUpstream({
    rpcUrl: args.rpcUrl,
    deployerKey: args.privateKey,
    token: args.token,
    settler: args.settler ?? deployer,
    treasury: args.treasury ?? deployer,
    disputer: args.disputer,
    feeBps: args.feeBps,
    withdrawalDelay: args.withdrawalDelay,
    withdrawalWindow: args.withdrawalWindow,
    minWithdrawalDelay: BigInt(
      withdrawalDelayBoundSeconds({
        maxWaitMs: args.settleMaxWaitMs,
        holdTtlMs: PAYMENT_DEFAULTS.holdTtlMs,
        balanceCacheMs: PAYMENT_DEFAULTS.balanceCacheMs,
        confirmations: args.settleConfirmations,
        blockTimeMs: args.chainBlockTimeMs,
      }),
    ),
  });
  writeDeployment(resolve(args.out), deployment);
  return deployment;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const args = parseDeployArgs(process.argv.slice(2));
    const deployment = await runDeploy(args);
    console.log(JSON.stringify(deployment, null, 2));
    console.log(`wrote ${args.out}`);
  } catch (error) {
    console.error(`deploy failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
