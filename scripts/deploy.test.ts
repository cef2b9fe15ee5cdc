import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnvilInstance, startAnvil } from "@/lib/chain/anvil";
import { readDeployment } from "@/lib/chain/deploy";
import { deployerAccount, settlerAccount } from "@/lib/chain/devAccounts";
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
});
