import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@/lib/config";
import { createServer } from "@/lib/server/root";

const deployment = {
  chainId: 31337,
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  testToken: true,
  registry: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  market: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  startBlock: 1,
  settler: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  treasury: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  deployer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
};

function withDeployment(content: object | null, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "upstream-public-config-"));
  const file = join(dir, "deployment.json");
  if (content) writeFileSync(file, JSON.stringify(content));
  return createServer({ config: loadConfig({ DATA_DIR: dir, ...env }), indexer: null }).publicConfig();
}

describe("getPublicConfig", () => {
  it("tells the browser the chain, the RPC and the deployed contracts", () => {
    const config = withDeployment(deployment, { PUBLIC_RPC_URL: "https://rpc.example.org" });
    expect(config.chainId).toBe(31337);
    expect(config.rpcUrl).toBe("https://rpc.example.org");
    expect(config.contracts).toEqual({ token: deployment.token, market: deployment.market, registry: deployment.registry });
    expect(config.devFaucet).toBe(true);
    expect(config.walletConnectProjectId).toBeNull();
    expect(config.token.decimals).toBe(6);
  });

  it("has no contracts before a deployment, nor for a deployment on another chain", () => {
    expect(withDeployment(null).contracts).toBeNull();
    const elsewhere = withDeployment(deployment, { CHAIN_ID: "8453", RPC_URL: "https://base.example.org" });
    expect(elsewhere.contracts).toBeNull();
    expect(elsewhere.devFaucet).toBe(false);
  });

  it("offers no faucet when the token is a real one", () => {
    expect(withDeployment({ ...deployment, testToken: false }).devFaucet).toBe(false);
  });

  it("refuses a malformed deployment file with its code", () => {
    expect(() => withDeployment({ chainId: "x" })).toThrow(expect.objectContaining({ code: "DEPLOYMENT_FILE_INVALID" }));
  });
});
