import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Address, getAddress, type Hex, zeroAddress } from "viem";
import { z } from "zod";
import { UpstreamError } from "@/lib/errors";
import { addressSchema as address } from "@/lib/wire/primitives";
import {
  testUsdAbi,
  testUsdBytecode,
  upstreamMarketAbi,
  upstreamMarketBytecode,
  upstreamRegistryAbi,
  upstreamRegistryBytecode,
} from "./abis";
import { publicClientFor, walletClientFor } from "./clients";

/** Where the contracts of one Upstream deployment live; the app, indexer and settler read it. */
export type Deployment = {
  /** EIP-155 chain id. */
  chainId: number;
  /** The ERC-20 payment token (TestUSD locally, e.g. USDC on a real chain). */
  token: Address;
  /** Whether `token` is the TestUSD deployed with the market (it has a faucet). */
  testToken: boolean;
  /** UpstreamRegistry. */
  registry: Address;
  /** UpstreamMarket. */
  market: Address;
  /** Block of the first deployment transaction: indexers start here. */
  startBlock: number;
  /** Holder of the market's SETTLER_ROLE (the spender payers name in permits). */
  settler: Address;
  /** Receiver of protocol fees and slashed stakes. */
  treasury: Address;
  /** The account that deployed and administers the contracts. */
  deployer: Address;
  /** Holder of the registry's DISPUTE_ROLE at deployment, never the deployer (absent: nobody). */
  disputer?: Address;
};

/** zod schema of a Deployment JSON file. */
export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  token: address,
  testToken: z.boolean(),
  registry: address,
  market: address,
  startBlock: z.number().int().nonnegative(),
  settler: address,
  treasury: address,
  deployer: address,
  disputer: address.optional(),
});

/** The deployment file is missing or does not match {@link deploymentSchema}. */
export class DeploymentFileError extends UpstreamError {
  readonly code = "DEPLOYMENT_FILE_INVALID";
  readonly status = 500;
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`deployment file ${file}: ${detail}`);
  }
}

/** Reads and validates a deployment JSON file. */
export function readDeployment(file: string): Deployment {
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch {
    throw new DeploymentFileError(file, "cannot be read (deploy first: `npm run deploy`)");
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new DeploymentFileError(file, "is not JSON");
  }
  const parsed = deploymentSchema.safeParse(json);
  if (!parsed.success) throw new DeploymentFileError(file, z.prettifyError(parsed.error));
  return parsed.data;
}

/** Validates and writes a deployment JSON file, creating its folder. */
export function writeDeployment(file: string, deployment: Deployment): void {
  const valid = deploymentSchema.parse(deployment);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(valid, null, 2)}\n`);
}

/** Parameters of {@link deployUpstream}. Amounts are token units (6 decimals for TestUSD). */
export type DeployUpstreamParameters = {
  /** JSON-RPC URL of the chain to deploy to. */
  rpcUrl: string;
  /** Private key of the deployer; it becomes the admin (of the registry: two-step transfer after `adminDelay`). */
  deployerKey: Hex;
  /** An existing payment token; TestUSD is deployed when omitted. */
  token?: Address;
  /** Account granted SETTLER_ROLE. */
  settler: Address;
  /** Receiver of protocol fees and slashed stakes. */
  treasury: Address;
  /** Account granted the registry's DISPUTE_ROLE (proposes and executes slashes); never the deployer. None when omitted. */
  disputer?: Address;
  /** Seconds a started admin transfer waits before the new admin can accept it (default 1 day). */
  adminDelay?: bigint;
  /** Protocol fee in basis points (default 250 = 2.5%). */
  feeBps?: number;
  /** Seconds between a withdrawal request and the withdrawal (default 3600). */
  withdrawalDelay?: bigint;
  /** Seconds a ready withdrawal request stays withdrawable before it must be made again (default 1 day). */
  withdrawalWindow?: bigint;
  /**
   * The shortest withdrawal delay the deployment accepts (the settlement bound: see
   * `withdrawalDelayBoundSeconds` in lib/settlement); the deployment is refused below it.
   */
  minWithdrawalDelay?: bigint;
  /** Minimum stake to publish a datanet (default 10 tokens of 6 decimals). */
  minDatanetStake?: bigint;
  /** Minimum stake to publish a model (default 10 tokens of 6 decimals). */
  minModelStake?: bigint;
  /** Seconds between an unstake request and the stake withdrawal (default 7 days). */
  unstakeDelay?: bigint;
};

/** Defaults of {@link deployUpstream}. */
export const DEPLOY_DEFAULTS = {
  feeBps: 250,
  withdrawalDelay: 3_600n,
  withdrawalWindow: 86_400n,
  minDatanetStake: 10_000_000n,
  minModelStake: 10_000_000n,
  unstakeDelay: 7n * 24n * 3_600n,
  adminDelay: 24n * 3_600n,
} as const;

/** The deployment would give one account both the admin role and the dispute role. */
export class DeployRolesError extends UpstreamError {
  readonly code = "DEPLOY_ROLES_INVALID";
  readonly status = 500;
  constructor(readonly account: Address) {
    super(`the dispute role must be held by another account than the admin (${account})`);
  }
}

/** A withdrawal delay shorter than the settlement bound: a payer could withdraw before its inferences settle. */
export class WithdrawalDelayTooShortError extends UpstreamError {
  readonly code = "WITHDRAWAL_DELAY_TOO_SHORT";
  readonly status = 500;
  constructor(
    readonly delay: bigint,
    readonly minimum: bigint,
  ) {
    super(
      `withdrawal delay ${delay} s is shorter than the settlement bound ${minimum} s (read staleness + hold life + settlement window): ` +
        "a payer could withdraw before the inferences it was served settle; raise --withdrawal-delay or lower SETTLE_MAX_WAIT_MS",
    );
  }
}

/** Deploys TestUSD (unless a token is given), UpstreamRegistry and UpstreamMarket; waits for receipts. */
export async function deployUpstream(params: DeployUpstreamParameters): Promise<Deployment> {
  const withdrawalDelay = params.withdrawalDelay ?? DEPLOY_DEFAULTS.withdrawalDelay;
  if (params.minWithdrawalDelay !== undefined && withdrawalDelay < params.minWithdrawalDelay) {
    throw new WithdrawalDelayTooShortError(withdrawalDelay, params.minWithdrawalDelay);
  }
  const publicClient = publicClientFor({ chainId: 1, rpcUrl: params.rpcUrl });
  const chainId = await publicClient.getChainId();
  const connection = { chainId, rpcUrl: params.rpcUrl };
  const chainClient = publicClientFor(connection);
  const wallet = walletClientFor({ ...connection, privateKey: params.deployerKey });
  const deployer = wallet.account.address;
  const settler = getAddress(params.settler);
  const treasury = getAddress(params.treasury);
  const disputer = params.disputer ? getAddress(params.disputer) : zeroAddress;
  if (disputer === deployer) throw new DeployRolesError(deployer);

  async function mined(hash: Hex): Promise<{ address: Address; block: number }> {
    const receipt = await chainClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success" || !receipt.contractAddress) {
      throw new Error(`deployment transaction ${hash} failed`);
    }
    return { address: getAddress(receipt.contractAddress), block: Number(receipt.blockNumber) };
  }

  let token: Address;
  let startBlock: number | undefined;
  if (params.token) {
    token = getAddress(params.token);
    const code = await chainClient.getCode({ address: token });
    if (!code || code === "0x") throw new Error(`no contract at token address ${token} on chain ${chainId}`);
  } else {
    const deployed = await mined(await wallet.deployContract({ abi: testUsdAbi, bytecode: testUsdBytecode }));
    token = deployed.address;
    startBlock = deployed.block;
  }
  const registry = await mined(
    await wallet.deployContract({
      abi: upstreamRegistryAbi,
      bytecode: upstreamRegistryBytecode,
      args: [
        token,
        deployer,
        disputer,
        Number(params.adminDelay ?? DEPLOY_DEFAULTS.adminDelay),
        treasury,
        params.minDatanetStake ?? DEPLOY_DEFAULTS.minDatanetStake,
        params.minModelStake ?? DEPLOY_DEFAULTS.minModelStake,
        params.unstakeDelay ?? DEPLOY_DEFAULTS.unstakeDelay,
      ],
    }),
  );
  const market = await mined(
    await wallet.deployContract({
      abi: upstreamMarketAbi,
      bytecode: upstreamMarketBytecode,
      args: [
        token,
        deployer,
        Number(params.adminDelay ?? DEPLOY_DEFAULTS.adminDelay),
        treasury,
        settler,
        params.feeBps ?? DEPLOY_DEFAULTS.feeBps,
        withdrawalDelay,
        params.withdrawalWindow ?? DEPLOY_DEFAULTS.withdrawalWindow,
      ],
    }),
  );
  return {
    chainId,
    token,
    testToken: !params.token,
    registry: registry.address,
    market: market.address,
    startBlock: startBlock ?? registry.block,
    settler,
    treasury,
    deployer,
    ...(disputer === zeroAddress ? {} : { disputer }),
  };
}
