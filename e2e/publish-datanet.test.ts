import { mkdirSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testUsdAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { publicClientFor, walletClientFor } from "@/lib/chain/clients";
import { type DevAccount, demoAccounts } from "@/lib/chain/devAccounts";
import { contributionRoot } from "@/lib/datanets/merkle";
import { hashRecord, RECORD_LIMITS } from "@/lib/wire/records";
import { type LaunchedBrowser, launchBrowser } from "./browser";
import { connectWallet, saveScreenshot, screenshotDir } from "./page";
import { STACK_START_TIMEOUT_MS, type Stack, startStack } from "./stack";
import { type InjectedWallet, injectWallet } from "./wallet";

let stack: Stack;
let launched: LaunchedBrowser;
const publisher = demoAccounts[3];
let datanetId: string;

async function faucet(account: DevAccount) {
  const wallet = walletClientFor({ ...stack, privateKey: account.privateKey });
  const hash = await wallet.writeContract({
    address: stack.deployment.token,
    abi: testUsdAbi,
    functionName: "faucet",
    args: [1_000_000_000n],
  });
  await publicClientFor(stack).waitForTransactionReceipt({ hash });
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${stack.baseUrl}${path}`);
  expect(response.ok).toBe(true);
  return (await response.json()) as T;
}

const storedRecords = async (id: string) =>
  (await getJson<{ records: { text: string; contributor: string }[] }>(`/api/datanets/${id}/records?limit=500`)).records;

/** axe-core on the page as it is: no serious or critical violation (each one named in the failure). */
async function expectAccessible(page: Page) {
  // @axe-core/playwright types its page as @playwright/test's; playwright-core's is the same object.
  const results = await new AxeBuilder({ page: page as never }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(bad).toEqual([]);
}

beforeAll(async () => {
  [stack, launched] = await Promise.all([startStack(), launchBrowser()]);
  mkdirSync(screenshotDir, { recursive: true });
  await faucet(publisher);
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  await launched?.close();
  await stack?.stop();
});

async function open(
  viewport: { width: number; height: number },
  colorScheme: "light" | "dark" = "light",
): Promise<{ page: Page; wallet: InjectedWallet }> {
  // A context of its own: axe-core opens a page beside this one to gather its results.
  const context = await launched.browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  // Closed with its page; the browser may already be closing it (then there is nothing left to do).
  page.on("close", () => {
    context.close().catch(() => undefined);
  });
  const wallet = await injectWallet(page, { rpcUrl: stack.rpcUrl, account: publisher.address, chainId: stack.chainId });
  return { page, wallet };
}

const CARD = [
  "# Logbooks of the Pequod",
  "Entries from the ship's **log**, one record per entry.",
  "| field | meaning |",
  "| --- | --- |",
  "| date | the day at sea |",
  "",
  "Source: [Project Gutenberg](https://www.gutenberg.org/ebooks/2701). <script>window.pwned = true</script> [x](javascript:window.pwned=true)",
].join("\n");

const sent = (wallet: InjectedWallet) => wallet.calls.filter((m) => m === "eth_sendTransaction").length;

describe("publishing a datanet and contributing records in the browser", () => {
  it("publishes a datanet: form errors by the fields, a preview, a rejected wallet request shown plainly, then published and stored", async () => {
    const { page, wallet } = await open({ width: 1280, height: 900 });
    await page.goto(stack.baseUrl, { waitUntil: "networkidle" });
    await page.getByTestId("nav-publish").click();
    await page.waitForURL(`${stack.baseUrl}/datanets/new`);
    await connectWallet(page, wallet);
    await expect.poll(() => page.getByTestId("min-stake").textContent()).toMatch(/tUSD/);

    // Errors show next to their fields, before anything is sent.
    await page.getByLabel("Name").fill("Pequod logbooks");
    await page.getByLabel("Card (Markdown)").fill(CARD);
    await page.getByLabel("Licence", { exact: true }).selectOption("other");
    await page.getByLabel("Licence URL").fill("not a url");
    await page.getByLabel("Tags").fill("Sea, bad tag!");
    await page.getByTestId("publish-review").click();
    await page.getByTestId("licenseUrl-error").waitFor();
    expect(await page.getByTestId("licenseUrl-error").textContent()).toMatch(/http\(s\) URL/);
    expect(await page.getByTestId("tags-error").textContent()).toMatch(/letters a-z, digits and single hyphens/);
    // The live preview renders the card's table, and none of its script.
    await page.getByTestId("card-preview").locator("table").waitFor();
    await saveScreenshot(page, "datanet-new-desktop");
    await expectAccessible(page);

    await page.getByLabel("Licence URL").fill("https://example.org/pequod-licence");
    await page.getByLabel("Tags").fill("Sea, whaling");
    // Keyboard only: Enter in a field submits the form for review.
    await page.getByLabel("Tags").press("Enter");
    await page.getByTestId("publish-preview").waitFor();
    expect(await page.getByTestId("preview-tags").textContent()).toBe("sea, whaling");
    expect(await page.getByTestId("preview-license").textContent()).toContain("https://example.org/pequod-licence");
    await saveScreenshot(page, "datanet-review-desktop");
    await expectAccessible(page);
    expect(sent(wallet)).toBe(0);

    // A rejected request is shown plainly, and nothing is stored.
    wallet.rejectNext("eth_sendTransaction");
    await page.getByTestId("publish-submit").click();
    const failed = page.locator('[data-testid="publish-status"][data-status="failed"]');
    await failed.waitFor();
    expect(await failed.getByTestId("tx-error").textContent()).toBe("You rejected the request in your wallet.");
    expect((await getJson<{ datanets: unknown[] }>("/api/datanets")).datanets).toHaveLength(0);

    await page.getByTestId("publish-submit").click();
    const done = page.getByTestId("publish-done");
    await done.waitFor({ timeout: 60_000 });
    datanetId = (await done.getAttribute("data-id")) ?? "";
    expect(datanetId).toBe("1");
    const onChain = await publicClientFor(stack).readContract({
      address: stack.deployment.registry,
      abi: upstreamRegistryAbi,
      functionName: "getDatanet",
      args: [1n],
    });
    expect(onChain.owner).toBe(publisher.address);
    expect(onChain.license).toBe("other");

    await page.getByTestId("publish-open").click();
    await page.waitForURL(`${stack.baseUrl}/datanets/1`);
    const card = page.getByTestId("datanet-card");
    await card.locator("table").waitFor();
    expect(await card.locator("script").count()).toBe(0);
    expect(await card.locator('a[href^="javascript"]').count()).toBe(0);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    expect(await page.getByTestId("datanet-license").locator("a").getAttribute("href")).toBe("https://example.org/pequod-licence");
    expect(await page.getByTestId("datanet-tags").textContent()).toContain("sea, whaling");
    await saveScreenshot(page, "datanet-page-desktop");
    await expectAccessible(page);
    await page.close();
  });

  it("contributes by paste, then by a .csv and a .jsonl file; a repeated record and bad files are refused in the form with nothing sent", async () => {
    const { page, wallet } = await open({ width: 1280, height: 900 });
    await page.goto(`${stack.baseUrl}/datanets/${datanetId}`, { waitUntil: "networkidle" });
    await connectWallet(page, wallet);
    await page.getByTestId("datanet-contribute").click();
    await page.waitForURL(`${stack.baseUrl}/datanets/${datanetId}/contribute`);

    const paragraphs = [
      "Wednesday. Fine weather, the wind from the north-east; sighted a sperm whale at noon.",
      "Thursday. Fog all day; the crew mended the boats.",
      "Friday. Cleared by morning; two whales taken before dark.",
    ];
    // A repeated paragraph is refused before anything is sent.
    await page.getByTestId("paste-text").fill([...paragraphs, paragraphs[1]].join("\n\n"));
    await page.getByTestId("record-problems").waitFor();
    expect(await page.getByTestId("record-problems").textContent()).toContain("Record 4 repeats record 2.");
    expect(await page.getByTestId("contribute-submit").isDisabled()).toBe(true);

    await page.getByTestId("paste-text").fill(paragraphs.join("\n\n"));
    await expect.poll(() => page.getByTestId("record-count").textContent()).toBe("3");
    // The browser's root is the server's: the same code, the contributor in every leaf.
    const root = contributionRoot(publisher.address, paragraphs.map(hashRecord));
    await expect.poll(() => page.getByTestId("merkle-root").textContent()).toBe(root);
    expect(await page.getByTestId("record-limits").textContent()).toContain("16 KB per record");
    await expect.poll(() => page.getByTestId("contribute-submit").isEnabled()).toBe(true);
    await saveScreenshot(page, "contribute-desktop");
    await expectAccessible(page);

    await page.getByTestId("contribute-submit").click();
    const done = page.getByTestId("contribute-done");
    await done.waitFor({ timeout: 60_000 });
    expect(await done.getAttribute("data-count")).toBe("3");
    expect((await storedRecords(datanetId)).map((r) => r.text)).toEqual(paragraphs);

    // Files: a CSV mapped through its "text" column, and JSONL through its "passage" field.
    await page.getByRole("button", { name: "Contribute more" }).click();
    await page.getByTestId("source-files").check();
    const csv = 'day,text\nSaturday,"Calm; the men idle, and Ahab on deck."\nSunday,"A gale from the south, ""stove"" one boat."\n';
    const jsonl = '{"n":1,"passage":"Monday. The try-works lit all night."}\n{"n":2,"passage":"Tuesday. Land in sight to leeward."}\n';
    await page.getByTestId("file-input").setInputFiles([
      { name: "log.csv", mimeType: "text/csv", buffer: Buffer.from(csv) },
      { name: "log.jsonl", mimeType: "application/jsonl", buffer: Buffer.from(jsonl) },
    ]);
    await expect.poll(() => page.getByTestId("loaded-file").count()).toBe(2);
    expect(await page.getByTestId("column-picker").nth(0).inputValue()).toBe("text");
    expect(await page.getByTestId("column-picker").nth(1).inputValue()).toBe("passage");
    await expect.poll(() => page.getByTestId("record-count").textContent()).toBe("4");

    // Bad files are refused in the form: not UTF-8, and over the per-file limit. Nothing is sent.
    const sentBefore = sent(wallet);
    await page.getByTestId("file-input").setInputFiles([
      { name: "latin1.txt", mimeType: "text/plain", buffer: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]) },
      { name: "huge.txt", mimeType: "text/plain", buffer: Buffer.alloc(RECORD_LIMITS.maxContributionBytes + 1, 0x61) },
    ]);
    await page.getByTestId("file-errors").waitFor();
    const fileErrors = (await page.getByTestId("file-errors").textContent()) ?? "";
    expect(fileErrors).toContain("latin1.txt: is not valid UTF-8 text");
    expect(fileErrors).toMatch(/huge\.txt: is 4,194,305 bytes; a file holds at most 4,194,304/);
    expect(await page.getByTestId("loaded-file").count()).toBe(2);
    expect(sent(wallet)).toBe(sentBefore);
    expect(await storedRecords(datanetId)).toHaveLength(3);
    await saveScreenshot(page, "contribute-files-desktop");
    await expectAccessible(page);

    await page.getByTestId("contribute-submit").click();
    await page.getByTestId("contribute-done").waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("contribute-done").getAttribute("data-count")).toBe("4");
    const texts = (await storedRecords(datanetId)).map((r) => r.text);
    expect(texts.slice(3)).toEqual([
      "Calm; the men idle, and Ahab on deck.",
      'A gale from the south, "stove" one boat.',
      "Monday. The try-works lit all night.",
      "Tuesday. Land in sight to leeward.",
    ]);
    await page.close();
  });

  it("lays the pages out at a phone's width", async () => {
    const { page, wallet } = await open({ width: 390, height: 844 });
    await page.goto(`${stack.baseUrl}/datanets/new`, { waitUntil: "networkidle" });
    await connectWallet(page, wallet);
    await page.getByLabel("Name").fill("Phone datanet");
    await page.getByLabel("Card (Markdown)").fill(CARD);
    await saveScreenshot(page, "datanet-new-phone");
    await page.getByTestId("card-tab-preview").click();
    await page.getByTestId("card-preview").locator("table").waitFor();
    await saveScreenshot(page, "datanet-new-preview-phone");
    await expectAccessible(page);
    await page.goto(`${stack.baseUrl}/datanets/${datanetId}`, { waitUntil: "networkidle" });
    await saveScreenshot(page, "datanet-page-phone");
    await page.goto(`${stack.baseUrl}/datanets/${datanetId}/contribute`, { waitUntil: "networkidle" });
    await page.getByTestId("paste-text").fill("One.\n\nTwo.");
    await expect.poll(() => page.getByTestId("record-count").textContent()).toBe("2");
    await expect.poll(() => page.getByTestId("contribute-submit").isEnabled()).toBe(true);
    await saveScreenshot(page, "contribute-phone");
    await expectAccessible(page);
    // No page is wider than the phone.
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.close();
  });

  it("follows a dark system theme, and the toggle overrides it; the dark pages pass axe-core too", async () => {
    const { page, wallet } = await open({ width: 1280, height: 900 }, "dark");
    const htmlClass = () => page.evaluate("document.documentElement.className") as Promise<string>;
    await page.goto(`${stack.baseUrl}/datanets/${datanetId}/contribute`, { waitUntil: "networkidle" });
    await connectWallet(page, wallet);
    await expect.poll(htmlClass).toContain("dark");
    await page.getByTestId("paste-text").fill("Saturday. Dark at sea.\n\nSunday. Darker still.");
    await expect.poll(() => page.getByTestId("contribute-submit").isEnabled()).toBe(true);
    await saveScreenshot(page, "contribute-dark-desktop");
    await expectAccessible(page);
    await page.goto(`${stack.baseUrl}/datanets/${datanetId}`, { waitUntil: "networkidle" });
    await saveScreenshot(page, "datanet-page-dark-desktop");
    await expectAccessible(page);
    await page.goto(`${stack.baseUrl}/datanets/new`, { waitUntil: "networkidle" });
    await page.getByLabel("Name").fill("Dark datanet");
    await page.getByLabel("Card (Markdown)").fill(CARD);
    await page.getByTestId("publish-review").click();
    await page.getByTestId("publish-preview").waitFor();
    await saveScreenshot(page, "datanet-review-dark-desktop");
    await expectAccessible(page);

    // system (dark here) → light → dark → system; the choice survives a reload.
    await page.getByTestId("theme-toggle").click();
    await expect.poll(htmlClass).toContain("light");
    await page.reload({ waitUntil: "networkidle" });
    await expect.poll(htmlClass).toContain("light");
    await page.getByTestId("theme-toggle").click();
    await expect.poll(htmlClass).toContain("dark");
    await page.close();
  });

  it("says a closed datanet is closed, in the form and from the API, with nothing sent", async () => {
    const wallet = walletClientFor({ ...stack, privateKey: publisher.privateKey });
    const hash = await wallet.writeContract({
      address: stack.deployment.registry,
      abi: upstreamRegistryAbi,
      functionName: "requestUnstake",
      args: [0, BigInt(datanetId)],
    });
    await publicClientFor(stack).waitForTransactionReceipt({ hash });
    const { page, wallet: injected } = await open({ width: 1280, height: 900 });
    await page.goto(`${stack.baseUrl}/datanets/${datanetId}/contribute`, { waitUntil: "networkidle" });
    await connectWallet(page, injected);
    await page.getByTestId("datanet-closed").waitFor();
    await page.getByTestId("paste-text").fill("Too late for the log.");
    await expect.poll(() => page.getByTestId("record-count").textContent()).toBe("1");
    expect(await page.getByTestId("contribute-submit").isDisabled()).toBe(true);
    expect(sent(injected)).toBe(0);
    const response = await fetch(`${stack.baseUrl}/api/datanets/${datanetId}/contributions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contributor: publisher.address, records: ["Too late for the log."] }),
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("DATANET_CLOSED");
    await saveScreenshot(page, "contribute-closed-desktop");
    await page.close();
  });
});
