import { mkdirSync } from "node:fs";
import OpenAI from "openai";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testUsdAbi, upstreamMarketAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { publicClientFor, walletClientFor } from "@/lib/chain/clients";
import { type DevAccount, demoAccounts } from "@/lib/chain/devAccounts";
import { mobyDickTexts } from "@/lib/inference/testing/seed";
import { type LaunchedBrowser, launchBrowser } from "./browser";
import { connectWallet, saveScreenshot, screenshotDir } from "./page";
import { STACK_START_TIMEOUT_MS, type Stack, startStack } from "./stack";
import { type InjectedWallet, injectWallet } from "./wallet";

const PRICE = 2_000n; // 0.002 tUSD per call
const QUESTION = "What does Ishmael do whenever it is a damp, drizzly November in his soul?";

let stack: Stack;
let launched: LaunchedBrowser;
let modelId: bigint;

type WalletCall = { address: `0x${string}`; functionName: string; args: unknown[] };

/** Sends a draft's registry call from `account`; JSON amounts come back as the ABI's bigints. */
async function sendCall(account: DevAccount, call: WalletCall) {
  const fn = upstreamRegistryAbi.find((item) => item.type === "function" && item.name === call.functionName) as {
    inputs: readonly { type: string }[];
  };
  const args = call.args.map((value, i) => {
    const type = fn.inputs[i].type;
    if (!type.startsWith("uint")) return value;
    return type.endsWith("[]") ? (value as string[]).map(BigInt) : BigInt(value as string);
  });
  const wallet = walletClientFor({ ...stack, privateKey: account.privateKey });
  const hash = await wallet.writeContract({
    address: call.address,
    abi: upstreamRegistryAbi,
    functionName: call.functionName,
    args,
  } as never);
  const receipt = await publicClientFor(stack).waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return hash;
}

async function api<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Publishes a Moby-Dick datanet, one contribution and a built-in model through the app's API, as a publisher would. */
async function publishModel(publisher: DevAccount): Promise<bigint> {
  const client = publicClientFor(stack);
  const wallet = walletClientFor({ ...stack, privateKey: publisher.privateKey });
  const { token, registry } = stack.deployment;
  const mint = await wallet.writeContract({ address: token, abi: testUsdAbi, functionName: "faucet", args: [1_000_000_000n] });
  await client.waitForTransactionReceipt({ hash: mint });
  const approve = await wallet.writeContract({
    address: token,
    abi: testUsdAbi,
    functionName: "approve",
    args: [registry, 1_000_000_000n],
  });
  await client.waitForTransactionReceipt({ hash: approve });

  const datanet = await api<{ call: WalletCall }>("/api/datanets", { name: "Moby-Dick, opening chapters", license: "public domain" });
  const published = await api<{ id: string }>("/api/datanets/confirm", { txHash: await sendCall(publisher, datanet.call) });
  const records = mobyDickTexts(0, 3);
  const contribution = await api<{ call: WalletCall }>(`/api/datanets/${published.id}/contributions`, {
    contributor: publisher.address,
    records,
  });
  await api(`/api/datanets/${published.id}/contributions/confirm`, { txHash: await sendCall(publisher, contribution.call) });
  const model = await api<{ call: WalletCall; minStake: string }>("/api/models", {
    metadata: { name: "Whaling answers", description: "Answers from the first chapters of Moby-Dick.", backend: { kind: "builtin" } },
    terms: { price: PRICE.toString(), ownerShareBps: 3_000, datanetIds: [published.id], stake: "0" },
  });
  model.call.args[5] = model.minStake;
  const confirmed = await api<{ id: string }>("/api/models/confirm", { txHash: await sendCall(publisher, model.call) });
  return BigInt(confirmed.id);
}

beforeAll(async () => {
  [stack, launched] = await Promise.all([startStack(), launchBrowser()]);
  mkdirSync(screenshotDir, { recursive: true });
  modelId = await publishModel(demoAccounts[7]);
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  await launched?.close();
  await stack?.stop();
});

const signatures = (wallet: InjectedWallet, method: string) => wallet.calls.filter((m) => m === method).length;

async function ask(page: Page, question: string, via: "button" | "enter" = "button") {
  await page.getByTestId("playground-question").fill(question);
  if (via === "enter") await page.getByTestId("playground-question").press("Enter");
  else await page.getByTestId("playground-ask").click();
  await page.locator('[data-testid="playground-status"]:is([data-status="done"], [data-status="failed"])').waitFor();
}

describe("paid inference in the browser", () => {
  it("signs one spend permit, asks twice without pop-ups, sees price, id and attribution; then manages an API key", async () => {
    const payer = demoAccounts[2];
    const page = await launched.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const wallet = await injectWallet(page, { rpcUrl: stack.rpcUrl, account: payer.address, chainId: stack.chainId });
    await page.goto(`${stack.baseUrl}/models/${modelId}`, { waitUntil: "networkidle" });
    await page.getByTestId("playground-disconnected").waitFor();
    await connectWallet(page, wallet);

    // A rejected signature is reported, and nothing is registered.
    wallet.rejectNext("eth_signTypedData_v4");
    await page.getByTestId("permit-sign").click();
    await page.locator('[data-testid="permit-status"][data-status="failed"]').waitFor();
    expect(await page.getByTestId("permit-status-message").textContent()).toBe("You rejected the request in your wallet.");

    await page.getByTestId("permit-sign").click();
    await page.locator('[data-testid="permit-status"][data-status="done"]').waitFor();
    expect(await page.getByTestId("permit-cap").textContent()).toBe("10.00 tUSD");

    // Nothing deposited yet: the refusal says where to go.
    await ask(page, QUESTION);
    expect(await page.getByTestId("playground-status").getAttribute("data-code")).toBe("INSUFFICIENT_BALANCE");
    await saveScreenshot(page, "playground-insufficient-desktop");
    await page.getByRole("link", { name: "Deposit on the Dashboard" }).click();
    await page.waitForURL(`${stack.baseUrl}/dashboard`);
    await page.getByTestId("faucet-button").click();
    await page.locator('[data-testid="faucet-status"][data-status="confirmed"]').waitFor();
    await page.getByTestId("deposit-amount").fill("5");
    await page.getByTestId("deposit-submit").click();
    await page.locator('[data-testid="deposit-status"][data-status="confirmed"]').waitFor();

    await page.goto(`${stack.baseUrl}/models/${modelId}`, { waitUntil: "networkidle" });
    await page.getByTestId("permit-active").waitFor();
    const typedSignaturesBefore = signatures(wallet, "eth_signTypedData_v4");
    await ask(page, QUESTION);
    expect(await page.getByTestId("playground-status").getAttribute("data-status")).toBe("done");
    const answer = (await page.getByTestId("playground-answer").textContent()) ?? "";
    // The built-in engine answers with sentences of the contributed chapters.
    expect(answer).toContain("damp, drizzly November in my soul");
    expect(await page.getByTestId("playground-price").textContent()).toBe("0.002 tUSD");
    const inferenceId = (await page.getByTestId("playground-inference-id").textContent()) ?? "";
    expect(inferenceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await page.getByTestId("playground-attribution").getAttribute("href")).toBe(`/explorer/inferences/${inferenceId}`);
    const settlementId = ((await page.getByTestId("playground-settlement-id").textContent()) ?? "").replace(/\D/g, "");
    await saveScreenshot(page, "playground-answer-desktop");
    await page.setViewportSize({ width: 390, height: 844 });
    await saveScreenshot(page, "playground-answer-phone");
    await page.setViewportSize({ width: 1280, height: 900 });

    // A second question, asked with Enter: no wallet pop-up, the permit's spent grows by the price.
    await ask(page, "Where does Ishmael go to find a whaling voyage?", "enter");
    expect(await page.getByTestId("playground-status").getAttribute("data-status")).toBe("done");
    expect(signatures(wallet, "eth_signTypedData_v4")).toBe(typedSignaturesBefore);
    await expect.poll(() => page.getByTestId("permit-spent").textContent()).toBe("0.004 tUSD");

    // Both inferences settle on chain under the permit: the deposit pays exactly two prices.
    const market = { address: stack.deployment.market, abi: upstreamMarketAbi } as const;
    const client = publicClientFor(stack);
    await expect
      .poll(() => client.readContract({ ...market, functionName: "depositOf", args: [payer.address] }), { timeout: 30_000 })
      .toBe(5_000_000n - 2n * PRICE);
    expect(await client.readContract({ ...market, functionName: "isSettled", args: [BigInt(settlementId)] })).toBe(true);

    // The attribution link opens the explorer's page of the latest inference, with the same proof hash.
    const latestId = (await page.getByTestId("playground-inference-id").textContent()) ?? "";
    const latestNumber = ((await page.getByTestId("playground-settlement-id").textContent()) ?? "").replace(/^\D+/, "");
    expect(latestId).not.toBe(inferenceId);
    const attributionHash = await page.getByTestId("playground-attribution").getAttribute("data-attribution-hash");
    await page.getByTestId("playground-attribution").click();
    await page.waitForURL(`${stack.baseUrl}/explorer/${latestId}`);
    expect(await page.getByTestId("attribution-hash").textContent()).toBe(attributionHash);
    await page.goBack({ waitUntil: "networkidle" });

    // The payer's history on the dashboard: both inferences, settled, with their total.
    await page.goto(`${stack.baseUrl}/dashboard`, { waitUntil: "networkidle" });
    await expect.poll(() => page.getByTestId("history-row").count(), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => page.getByTestId("history-totals").textContent(), { timeout: 15_000 }).toContain("0.004 tUSD settled");
    expect(await page.getByTestId("history-row").first().textContent()).toContain(`#${latestNumber}`);
    await saveScreenshot(page, "dashboard-history-desktop");
    // The explorer filters by payer (both of its inferences), and says what is wrong with a bad filter.
    await page.goto(`${stack.baseUrl}/explorer?payer=${payer.address}`, { waitUntil: "networkidle" });
    expect(await page.getByTestId("inference-row").count()).toBe(2);
    await page.goto(`${stack.baseUrl}/explorer?model=abc`, { waitUntil: "networkidle" });
    expect(await page.getByTestId("explorer-filter-error").textContent()).toContain("model: a model id");
    await page.goBack({ waitUntil: "networkidle" });

    // API keys: create one (one personal_sign), see it once, pay with it through the openai SDK, revoke it.
    await page.getByRole("link", { name: "API keys" }).click();
    await page.waitForURL(`${stack.baseUrl}/keys`);
    await page.getByTestId("keys-empty").waitFor();
    await page.getByTestId("key-label").fill("e2e agent");
    await page.getByTestId("key-create").click();
    await page.getByTestId("key-created").waitFor();
    const key = (await page.getByTestId("key-secret").textContent()) ?? "";
    expect(key).toMatch(/^upk_[0-9a-f]{8}_/);
    expect(await page.getByTestId("api-snippet").textContent()).toContain(key);
    expect(signatures(wallet, "personal_sign")).toBe(1);
    await saveScreenshot(page, "keys-created-desktop");

    const openai = new OpenAI({ baseURL: `${stack.baseUrl}/api/v1`, apiKey: key });
    const completion = await openai.chat.completions.create({
      model: `upstream-${modelId}`,
      messages: [{ role: "user", content: QUESTION }],
    });
    expect(completion.choices[0].message.content?.length).toBeGreaterThan(40);
    await page.reload({ waitUntil: "networkidle" });
    const row = page.getByTestId("key-row").first();
    await expect.poll(() => row.textContent()).toContain("0.002 tUSD of 5.00 tUSD");
    expect(await page.getByTestId("key-created").count()).toBe(0); // shown once: gone after a reload
    await page.setViewportSize({ width: 390, height: 844 });
    await saveScreenshot(page, "keys-phone");
    await page.setViewportSize({ width: 1280, height: 900 });

    await row.getByTestId("key-revoke").click();
    await page.locator('[data-testid="key-row"][data-revoked="true"]').waitFor();
    const refused = await openai.chat.completions
      .create({ model: `upstream-${modelId}`, messages: [{ role: "user", content: QUESTION }] })
      .catch((e) => e);
    expect(refused).toMatchObject({ status: 401, code: "API_KEY_REVOKED" });
    await page.close();
  });
  it("lets the model's owner pause it from its page: the badge says Paused, the playground closes, the API stops listing it; then resume", async () => {
    const owner = demoAccounts[7];
    const page = await launched.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const wallet = await injectWallet(page, { rpcUrl: stack.rpcUrl, account: owner.address, chainId: stack.chainId });
    await page.goto(`${stack.baseUrl}/models/${modelId}`, { waitUntil: "networkidle" });
    await connectWallet(page, wallet);
    const listed = async () => {
      const body = (await (await fetch(`${stack.baseUrl}/api/v1/models`)).json()) as { data: { id: string }[] };
      return body.data.map((m) => m.id).includes(`upstream-${modelId}`);
    };
    expect(await listed()).toBe(true);

    await page.getByTestId("model-pause").click();
    await page.locator('[data-testid="model-status-tx"][data-status="confirmed"]').waitFor();
    // The server follows the registry's event within seconds; the page refreshes itself until it shows it.
    await page.locator('[data-testid="model-status"][data-status="paused"]').first().waitFor({ timeout: 30_000 });
    await page.getByTestId("playground-inactive").waitFor();
    await expect.poll(listed, { timeout: 10_000 }).toBe(false);
    await saveScreenshot(page, "model-paused-desktop");

    await page.getByTestId("model-resume").click();
    await page.locator('[data-testid="model-status"][data-status="active"]').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("playground-inactive").count()).toBe(0);
    await expect.poll(listed, { timeout: 10_000 }).toBe(true);
    expect(wallet.calls.filter((m) => m === "eth_sendTransaction")).toHaveLength(2);
    await page.close();
  });
});
