import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testUsdAbi, upstreamMarketAbi, upstreamRegistryAbi } from "./abis";
import { type AnvilInstance, startAnvil } from "./anvil";
import { publicClientFor } from "./clients";
import { DeploymentFileError, DeployRolesError, deployUpstream, readDeployment, writeDeployment } from "./deploy";
import { demoAccounts, deployerAccount, settlerAccount } from "./devAccounts";

let anvil: AnvilInstance;
beforeAll(async () => {
  anvil = await startAnvil();
});
afterAll(async () => {
  await anvil?.stop();
});

describe("deployUpstream", () => {
  it("deploys TestUSD, registry and market wired to the given settler and treasury", async () => {
    const treasury = demoAccounts[7].address;
    const d = await deployUpstream({
      rpcUrl: anvil.rpcUrl,
      deployerKey: deployerAccount.privateKey,
      settler: settlerAccount.address,
      treasury,
      feeBps: 300,
    });
    expect(d.chainId).toBe(31337);
    expect(d.testToken).toBe(true);
    const client = publicClientFor(anvil);
    const role = await client.readContract({ address: d.market, abi: upstreamMarketAbi, functionName: "SETTLER_ROLE" });
    expect(
      await client.readContract({
        address: d.market,
        abi: upstreamMarketAbi,
        functionName: "hasRole",
        args: [role, settlerAccount.address],
      }),
    ).toBe(true);
    expect(await client.readContract({ address: d.market, abi: upstreamMarketAbi, functionName: "treasury" })).toBe(treasury);
    expect(await client.readContract({ address: d.market, abi: upstreamMarketAbi, functionName: "feeBps" })).toBe(300);
    expect(await client.readContract({ address: d.market, abi: upstreamMarketAbi, functionName: "token" })).toBe(d.token);
    expect(await client.readContract({ address: d.registry, abi: upstreamRegistryAbi, functionName: "token" })).toBe(d.token);
    expect(await client.readContract({ address: d.token, abi: testUsdAbi, functionName: "decimals" })).toBe(6);
    expect(await client.getBlockNumber()).toBeGreaterThanOrEqual(BigInt(d.startBlock));

    // A second deployment reuses the token instead of deploying another.
    const again = await deployUpstream({
      rpcUrl: anvil.rpcUrl,
      deployerKey: deployerAccount.privateKey,
      token: d.token,
      settler: settlerAccount.address,
      treasury,
    });
    expect(again.token).toBe(d.token);
    expect(again.testToken).toBe(false);
    expect(again.market).not.toBe(d.market);
  });

  it("gives the dispute role to another account than the admin, and refuses the admin as disputer", async () => {
    const disputer = demoAccounts[6].address;
    const d = await deployUpstream({
      rpcUrl: anvil.rpcUrl,
      deployerKey: deployerAccount.privateKey,
      settler: settlerAccount.address,
      treasury: deployerAccount.address,
      disputer,
    });
    const client = publicClientFor(anvil);
    const read = (functionName: "DISPUTE_ROLE" | "defaultAdmin") =>
      client.readContract({ address: d.registry, abi: upstreamRegistryAbi, functionName });
    const role = await read("DISPUTE_ROLE");
    const hasRole = (account: Address) =>
      client.readContract({ address: d.registry, abi: upstreamRegistryAbi, functionName: "hasRole", args: [role, account] });
    expect(await hasRole(disputer)).toBe(true);
    expect(await hasRole(deployerAccount.address)).toBe(false);
    expect(await read("defaultAdmin")).toBe(deployerAccount.address);
    expect(d.disputer).toBe(disputer);
    await expect(
      deployUpstream({
        rpcUrl: anvil.rpcUrl,
        deployerKey: deployerAccount.privateKey,
        settler: settlerAccount.address,
        treasury: deployerAccount.address,
        disputer: deployerAccount.address,
      }),
    ).rejects.toThrow(DeployRolesError);
  });

  it("refuses a token address without code", async () => {
    await expect(
      deployUpstream({
        rpcUrl: anvil.rpcUrl,
        deployerKey: deployerAccount.privateKey,
        token: demoAccounts[0].address,
        settler: settlerAccount.address,
        treasury: deployerAccount.address,
      }),
    ).rejects.toThrow(/no contract at token address/);
  });
});

describe("readDeployment / writeDeployment", () => {
  const dir = mkdtempSync(join(tmpdir(), "upstream-deployment-"));
  const sample = {
    chainId: 31337,
    token: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
    testToken: true,
    registry: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
    market: "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0",
    startBlock: 1,
    settler: settlerAccount.address,
    treasury: deployerAccount.address,
    deployer: deployerAccount.address,
  } as const;

  it("round-trips and checksums addresses", () => {
    const file = join(dir, "nested", "deployment.json");
    writeDeployment(file, sample as never);
    const read = readDeployment(file);
    expect(read.token).toBe("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    expect(read.market).toBe("0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0");
    expect(read.startBlock).toBe(1);
  });

  it("rejects a missing file, bad JSON and a bad address with a DeploymentFileError", () => {
    expect(() => readDeployment(join(dir, "absent.json"))).toThrow(DeploymentFileError);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{not json");
    expect(() => readDeployment(bad)).toThrow(/is not JSON/);
    writeFileSync(bad, JSON.stringify({ ...sample, market: "0x1234" }));
    expect(() => readDeployment(bad)).toThrow(/market/);
  });
});
