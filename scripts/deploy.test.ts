import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upstreamMarketAbi } from "@/lib/chain/abis";
import { type AnvilInstance, startAnvil } from "@/lib/chain/anvil";
import { publicClientFor } from "@/lib/chain/clients";
import { readDeployment, WithdrawalDelayTooShortError } from "@/lib/chain/deploy";
import { deployerAccount, settlerAccount } from "@/lib/chain/devAccounts";
import { withdrawalDelayBoundSeconds } from "@/lib/settlement";
import { DeployArgsError, parseDeployArgs, runDeploy } from "./deploy";

const KEY = deployerAccount.privateKey;

describe("parseDeployArgs", () => {
  it("takes flags, falls back to env, and defaults the output file", () => {
    const args = parseDeployArgs(["--rpc-url", "http://127.0.0.1:8545", "--fee-bps", "100"], {
      DEPLOYER_PRIVATE_KEY: KEY,
      TOKEN_ADDRESS: settlerAccount.address.toLowerCase(),
      DISPUTER_ADDRESS: settlerAccount.address,
    });
    expect(args).toMatchObject({
      rpcUrl: "http://127.0.0.1:8545",
      privateKey: KEY,
      token: settlerAccount.address,
      disputer: settlerAccount.address,
      feeBps: 100,
      out: ".data/deployment.json",
    });
  });

  it("names every bad or missing value", () => {
    const error = (() => {
      try {
        parseDeployArgs(["--rpc-url", "nope", "--private-key", "0x12", "--token", "0xzz", "--fee-bps", "5000"], {});
      } catch (e) {
        return e as DeployArgsError;
      }
    })();
    expect(error).toBeInstanceOf(DeployArgsError);
    expect(error?.code).toBe("DEPLOY_ARGS_INVALID");
    for (const name of ["--rpc-url", "--private-key", "--token", "--fee-bps"]) expect(error?.message).toContain(name);
    expect(() => parseDeployArgs([], {})).toThrow(/--rpc-url \/ RPC_URL: required/);
    expect(() => parseDeployArgs(["--bogus"], {})).toThrow(DeployArgsError);
  });
});

describe("runDeploy", () => {
  let anvil: AnvilInstance;
  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it("deploys and writes the deployment JSON, settler and treasury defaulting to the deployer", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "upstream-deploy-")), "deployment.json");
    const deployment = await runDeploy(parseDeployArgs(["--rpc-url", anvil.rpcUrl, "--private-key", KEY, "--out", out], {}));
    expect(readDeployment(out)).toEqual(deployment);
    expect(deployment.settler).toBe(deployerAccount.address);
    expect(deployment.treasury).toBe(deployerAccount.address);
  });

  it("refuses a withdrawal delay shorter than the settlement bound, and deploys one that covers it", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "upstream-deploy-")), "deployment.json");
    // 1 s of read staleness + a 600 s hold + the settlement window of a 2 s batch wait (2 + 120 + 60).
    const bound = withdrawalDelayBoundSeconds({ maxWaitMs: 2_000, holdTtlMs: 600_000, balanceCacheMs: 1_000 });
    expect(bound).toBe(783);
    const deploy = (delay: string, env: Record<string, string> = {}) =>
      runDeploy(parseDeployArgs(["--rpc-url", anvil.rpcUrl, "--private-key", KEY, "--out", out, "--withdrawal-delay", delay], env));
    const refused = await deploy(String(bound - 1)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WithdrawalDelayTooShortError);
    expect((refused as WithdrawalDelayTooShortError).code).toBe("WITHDRAWAL_DELAY_TOO_SHORT");
    expect((refused as Error).message).toMatch(/withdrawal delay 782 s is shorter than the settlement bound 783 s/);
    // A longer batch wait raises the bound past the default delay of an hour.
    await expect(
      runDeploy(parseDeployArgs(["--rpc-url", anvil.rpcUrl, "--private-key", KEY, "--out", out], { SETTLE_MAX_WAIT_MS: "3600000" })),
    ).rejects.toThrow(/settlement bound 4381 s/);

    const deployment = await deploy(String(bound));
    const client = publicClientFor({ chainId: deployment.chainId, rpcUrl: anvil.rpcUrl });
    const read = (functionName: "withdrawalDelay" | "withdrawalWindow") =>
      client.readContract({ address: deployment.market, abi: upstreamMarketAbi, functionName });
    expect(await read("withdrawalDelay")).toBe(783n);
    expect(await read("withdrawalWindow")).toBe(86_400n);
  });
});
