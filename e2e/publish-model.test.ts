import { mkdirSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, migrate } from "@/db/client";
import { testUsdAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { publicClientFor, walletClientFor } from "@/lib/chain/clients";
import { type DevAccount, demoAccounts } from "@/lib/chain/devAccounts";
import { publishDatanet } from "@/lib/datanets/publish";
import { type LaunchedBrowser, launchBrowser } from "./browser";
import { connectWallet, saveScreenshot, screenshotDir } from "./page";
import { STACK_START_TIMEOUT_MS, type Stack, startStack } from "./stack";
import { type InjectedWallet, injectWallet } from "./wallet";

let stack: Stack;
let launched: LaunchedBrowser;
const publisher = demoAccounts[3];
const curator = demoAccounts[4];

async function faucet(connection: { rpcUrl: string; chainId: number }, token: `0x${string}`, account: DevAccount) {
  const wallet = walletClientFor({ ...connection, privateKey: account.privateKey });
  const hash = await wallet.writeContract({ address: token, abi: testUsdAbi, functionName: "faucet", args: [1_000_000_000n] });
  await publicClientFor(connection).waitForTransactionReceipt({ hash });
}

/** Three datanets published by another account and stored before the app starts; the third is then closed. */
async function seed({
  rpcUrl,
  chainId,
  deployment,
  dataDir,
}: {
  rpcUrl: string;
  chainId: number;
  deployment: Stack["deployment"];
  dataDir: string;
}) {
  const connection = { rpcUrl, chainId };
  await faucet(connection, deployment.token, curator);
  await faucet(connection, deployment.token, publisher);
  const client = publicClientFor(connection);
  const wallet = walletClientFor({ ...connection, privateKey: curator.privateKey });
  const handle = await createDb({ dataDir: join(dataDir, "db") });
  try {
    await migrate(handle.db);
    for (const name of ["Whaling logbooks", "Harbour almanacs", "Closed sea charts"]) {
      await publishDatanet({
        db: handle.db,
        client,
        registry: deployment.registry,
        wallet,
        token: deployment.token,
        metadata: { name, description: `${name}, one record per entry.`, license: "CC0-1.0" },
        stake: 10_000_000n,
      });
    }
  } finally {
    await handle.close();
  }
  const hash = await wallet.writeContract({
    address: deployment.registry,
    abi: upstreamRegistryAbi,
    functionName: "requestUnstake",
    args: [0, 3n],
  });
  await client.waitForTransactionReceipt({ hash });
}

async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page: page as never }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(bad).toEqual([]);
}

beforeAll(async () => {
  [stack, launched] = await Promise.all([startStack({ prepare: seed }), launchBrowser()]);
  mkdirSync(screenshotDir, { recursive: true });
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  await launched?.close();
  await stack?.stop();
});

async function open(viewport: { width: number; height: number }): Promise<{ page: Page; wallet: InjectedWallet }> {
  const context = await launched.browser.newContext({ viewport });
  const page = await context.newPage();
  page.on("close", () => {
    context.close().catch(() => undefined);
  });
  const wallet = await injectWallet(page, { rpcUrl: stack.rpcUrl, account: publisher.address, chainId: stack.chainId });
  return { page, wallet };
}

const CARD = [
  "# Whaling answers",
  "Answers questions about **whaling voyages** from the logbooks.",
  "",
  "| datanet | use |",
  "| --- | --- |",
  "| logbooks | voyages |",
].join("\n");

const sent = (wallet: InjectedWallet) => wallet.calls.filter((m) => m === "eth_sendTransaction").length;

describe("publishing a model in the browser", () => {
  it("publishes a built-in model over a seeded datanet: closed datanets not offered, a live split preview, bad price and share refused in the form, then on chain and on its page", async () => {
    const { page, wallet } = await open({ width: 1280, height: 900 });
    await page.goto(stack.baseUrl, { waitUntil: "networkidle" });
    await page.getByTestId("nav-publish-model").click();
    await page.waitForURL(`${stack.baseUrl}/models/new`);
    await connectWallet(page, wallet);
    await expect.poll(() => page.getByTestId("min-stake").textContent()).toBe("10.00 tUSD");

    // The closed datanet is not offered; the search narrows the list.
    await expect.poll(() => page.getByTestId("datanet-option").count()).toBe(2);
    await page.getByTestId("datanet-search").fill("whal");
    await expect.poll(() => page.getByTestId("datanet-option").count()).toBe(1);
    await page.getByTestId("datanet-option").check();
    await page.getByTestId("datanet-search").fill("");

    await page.getByLabel("Name").fill("Whaling answers");
    await page.getByLabel("Model card (Markdown)").fill(CARD);
    await page.getByTestId("card-preview").locator("table").waitFor();

    // Out of range and malformed: refused next to their fields, nothing sent.
    await page.getByLabel("Price per call (tUSD)").fill("1,5");
    await page.getByLabel("Owner share (%)").fill("95");
    await page.getByTestId("publish-review").click();
    await page.getByTestId("price-error").waitFor();
    expect(await page.getByTestId("price-error").textContent()).toContain('"1.5", not "1,5"');
    expect(await page.getByTestId("ownerShare-error").textContent()).toContain("at most 90%");
    expect(sent(wallet)).toBe(0);

    // The live split: fee ⌊1237 × 250 / 10 000⌋ = 30, owner ⌊1237 × 3333 / 10 000⌋ = 412, pool the rest, 795.
    await page.getByLabel("Price per call (tUSD)").fill("0.001237");
    await page.getByLabel("Owner share (%)").fill("33.33");
    await expect.poll(() => page.getByTestId("split-fee").getAttribute("data-units")).toBe("30");
    expect(await page.getByTestId("split-owner").getAttribute("data-units")).toBe("412");
    expect(await page.getByTestId("split-pool").getAttribute("data-units")).toBe("795");
    expect(await page.getByTestId("split-pool").textContent()).toContain("tUSD");
    await saveScreenshot(page, "model-new-desktop");
    await expectAccessible(page);

    await page.getByTestId("publish-review").click();
    await page.getByTestId("publish-preview").waitFor();
    expect(await page.getByTestId("preview-datanets").textContent()).toBe("Whaling logbooks (#1)");
    expect(await page.getByTestId("preview-backend").textContent()).toBe("Built-in engine");
    await saveScreenshot(page, "model-review-desktop");
    await expectAccessible(page);
    expect(sent(wallet)).toBe(0);

    await page.getByTestId("publish-submit").click();
    const done = page.getByTestId("publish-done");
    await done.waitFor({ timeout: 60_000 });
    expect(await done.getAttribute("data-id")).toBe("1");
    const onChain = await publicClientFor(stack).readContract({
      address: stack.deployment.registry,
      abi: upstreamRegistryAbi,
      functionName: "getModel",
      args: [1n],
    });
    expect(onChain.owner).toBe(publisher.address);
    expect(onChain.pricePerCall).toBe(1237n);
    expect(onChain.ownerBps).toBe(3333);
    expect(onChain.backendId).toBe("builtin");

    await page.getByTestId("publish-open").click();
    await page.waitForURL(`${stack.baseUrl}/models/1`);
    await page.getByTestId("model-card").locator("table").waitFor();
    expect(await page.textContent("body")).toContain("Whaling answers");
    await saveScreenshot(page, "model-page-desktop");
    await page.close();
  });

  it("lays the form out at a phone's width", async () => {
    const { page, wallet } = await open({ width: 390, height: 844 });
    await page.goto(`${stack.baseUrl}/models/new`, { waitUntil: "networkidle" });
    await connectWallet(page, wallet);
    await page.getByLabel("Name").fill("Phone model");
    await page.getByLabel("Model card (Markdown)").fill(CARD);
    await page.getByTestId("backend-openai").check();
    await page.getByLabel("Price per call (tUSD)").fill("0.002");
    await page.getByLabel("Owner share (%)").fill("20");
    await expect.poll(() => page.getByTestId("split-owner").getAttribute("data-units")).toBe("400");
    await saveScreenshot(page, "model-new-phone");
    await expectAccessible(page);
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.close();
  });
});
