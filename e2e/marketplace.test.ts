import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upstreamMarketAbi } from "@/lib/chain/abis";
import { publicClientFor } from "@/lib/chain/clients";
import { demoAccounts } from "@/lib/chain/devAccounts";
import { type LaunchedBrowser, launchBrowser } from "./browser";
import { connectWallet, saveScreenshot, screenshotDir } from "./page";
import { STACK_START_TIMEOUT_MS, type Stack, startStack } from "./stack";
import { injectWallet } from "./wallet";

let stack: Stack;
let launched: LaunchedBrowser;

beforeAll(async () => {
  [stack, launched] = await Promise.all([startStack(), launchBrowser()]);
  mkdirSync(screenshotDir, { recursive: true });
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  await launched?.close();
  await stack?.stop();
});

async function openWithWallet(account: (typeof demoAccounts)[number], viewport = { width: 1280, height: 900 }) {
  const page = await launched.browser.newPage({ viewport });
  const wallet = await injectWallet(page, { rpcUrl: stack.rpcUrl, account: account.address, chainId: stack.chainId });
  return { page, wallet };
}

function depositOf(account: `0x${string}`) {
  return publicClientFor(stack).readContract({
    address: stack.deployment.market,
    abi: upstreamMarketAbi,
    functionName: "depositOf",
    args: [account],
  });
}

describe("the marketplace in a browser with an injected wallet", () => {
  it("connects through RainbowKit, mints test tokens and deposits with a permit", async () => {
    const account = demoAccounts[0];
    const { page, wallet } = await openWithWallet(account);
    await page.goto(stack.baseUrl, { waitUntil: "networkidle" });
    // A fresh deployment has nothing published: the page says so instead of showing placeholders.
    await page.getByTestId("models-empty").waitFor();
    await page.getByTestId("datanets-empty").waitFor();
    await saveScreenshot(page, "marketplace-desktop");

    await connectWallet(page, wallet);
    await page.getByRole("link", { name: "Dashboard" }).click();
    await page.waitForURL(`${stack.baseUrl}/dashboard`);

    await page.getByTestId("faucet-button").click();
    await page.locator('[data-testid="faucet-status"][data-status="confirmed"]').waitFor();
    await expect.poll(() => page.getByTestId("wallet-balance").textContent()).toBe("1,000.00 tUSD");

    // A decimal comma is refused, never read as 255; Max types the wallet's balance.
    await page.getByTestId("deposit-amount").fill("25,5");
    await expect.poll(() => page.getByText(/use a dot for decimals/).count()).toBe(1);
    await page.getByTestId("deposit-amount-max").click();
    expect(await page.getByTestId("deposit-amount").inputValue()).toBe("1000.00");
    await page.getByTestId("deposit-amount").fill("25.5");
    await page.getByTestId("deposit-submit").click();
    const confirmed = page.locator('[data-testid="deposit-status"][data-status="confirmed"]');
    await confirmed.waitFor();
    const hash = await confirmed.getByTestId("tx-hash").getAttribute("data-hash");
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    await expect.poll(() => page.getByTestId("market-deposit").textContent()).toBe("25.50 tUSD");
    expect(await page.getByTestId("wallet-balance").textContent()).toBe("974.50 tUSD");
    // The form is ready for the next deposit.
    await expect.poll(() => page.getByTestId("deposit-amount").inputValue()).toBe("");
    expect(await depositOf(account.address)).toBe(25_500_000n);
    // Earnings come from the indexer: a fresh account has none, and the panel says so (not "unavailable").
    await page.getByTestId("earnings-empty").waitFor();
    // One signature and one transaction: the permit path needs no approve.
    expect(wallet.calls.filter((m) => m === "eth_signTypedData_v4")).toHaveLength(1);
    expect(wallet.calls.filter((m) => m === "eth_sendTransaction")).toHaveLength(2);
    await saveScreenshot(page, "dashboard-desktop");

    // The connection survives a reload (cookie storage), and the deposit is read back from the chain.
    await page.reload({ waitUntil: "networkidle" });
    await page.getByTestId("rk-account-button").first().waitFor();
    await expect.poll(() => page.getByTestId("market-deposit").textContent()).toBe("25.50 tUSD");
    await page.close();
  });

  it("shows a rejected signature as failed, then deposits with approve + deposit on a phone", async () => {
    const account = demoAccounts[1];
    const { page, wallet } = await openWithWallet(account, { width: 390, height: 844 });
    await page.goto(`${stack.baseUrl}/dashboard`, { waitUntil: "networkidle" });
    await page.getByTestId("dashboard-disconnected").waitFor();
    await connectWallet(page, wallet);

    await page.getByTestId("faucet-button").click();
    await page.locator('[data-testid="faucet-status"][data-status="confirmed"]').waitFor();

    wallet.rejectNext("eth_signTypedData_v4");
    await page.getByTestId("deposit-amount").fill("10");
    await page.getByTestId("deposit-submit").click();
    const failed = page.locator('[data-testid="deposit-status"][data-status="failed"]');
    await failed.waitFor();
    expect(await failed.getByTestId("tx-error").textContent()).toBe("You rejected the request in your wallet.");
    expect(await depositOf(account.address)).toBe(0n);

    await page.getByLabel(/Approve \+ deposit/).check();
    await page.getByTestId("deposit-submit").click();
    await page.locator('[data-testid="deposit-status"][data-status="confirmed"]').waitFor();
    await expect.poll(() => page.getByTestId("market-deposit").textContent()).toBe("10.00 tUSD");
    expect(await depositOf(account.address)).toBe(10_000_000n);
    await saveScreenshot(page, "dashboard-phone");

    await page.getByRole("link", { name: "Marketplace" }).click();
    await page.getByTestId("models-empty").waitFor();
    await saveScreenshot(page, "marketplace-phone");
    await page.getByRole("link", { name: "Explorer" }).click();
    await page.getByTestId("explorer-empty").waitFor();
    await page.close();
  });
});
