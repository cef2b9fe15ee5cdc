import { mkdirSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { sql } from "drizzle-orm";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, migrate } from "@/db/client";
import { devAccounts } from "@/lib/chain/devAccounts";
import { mobyDickChapters } from "@/scripts/corpora";
import { DEMO_ACCOUNT_INDEXES, demoPlan, USD } from "@/scripts/demo-plan";
import { seedDemo } from "@/scripts/seed";
import { seedInferences } from "@/scripts/seed-inferences";
import { type LaunchedBrowser, launchBrowser } from "./browser";
import { saveScreenshot, screenshotDir } from "./page";
import { STACK_START_TIMEOUT_MS, type Stack, startStack } from "./stack";

let stack: Stack;
let launched: LaunchedBrowser;

/**
 * The demo marketplace (fewer records) plus 17 datanets named after Moby-Dick chapters 41-57, so
 * that the datanets list runs to a second page; published on the chain through the seed, stored
 * in the app's database before the app starts; then the demo's paid questions, settled.
 */
async function seed({ rpcUrl, deployment, dataDir }: { rpcUrl: string; deployment: Stack["deployment"]; dataDir: string }) {
  const plan = demoPlan({ contributionsPerDatanet: 3, recordsPerContribution: 12 });
  for (const [i, chapter] of mobyDickChapters(41, 57).entries()) {
    plan.datanets.push({
      key: `chapter-${chapter.number}`,
      owner: DEMO_ACCOUNT_INDEXES[i % DEMO_ACCOUNT_INDEXES.length],
      stake: 10n * USD,
      metadata: {
        name: `Moby-Dick chapter ${chapter.number}: ${chapter.title.replace(/\.$/, "")}`,
        description: chapter.text.split(/\n\s*\n/)[0]!.slice(0, 300),
        license: "CC0-1.0",
      },
      contributions: [],
    });
  }
  const handle = await createDb({ dataDir: join(dataDir, "db") });
  try {
    await migrate(handle.db);
    await seedDemo({ db: handle.db, rpcUrl, deployment, plan });
    // Tags are not in the published metadata yet: set them as a publisher would.
    await handle.db.execute(sql`update datanets set tags = '{speeches,history}' where name = 'State of the Union addresses'`);
    await handle.db.execute(sql`update datanets set tags = '{novels,whaling}' where name = 'Moby-Dick'`);
  } finally {
    await handle.close();
  }
}

beforeAll(async () => {
  [stack, launched] = await Promise.all([startStack({ prepare: seed }), launchBrowser()]);
  mkdirSync(screenshotDir, { recursive: true });
  await seedInferences({ url: stack.baseUrl, indexerUrl: stack.indexerUrl, rpcUrl: stack.rpcUrl, deployment: stack.deployment });
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  await launched?.close();
  await stack?.stop();
});

/** A page in a context of its own (axe-core needs one opened with `browser.newContext()`). */
async function openPage(viewport: { width: number; height: number }): Promise<Page> {
  const context = await launched.browser.newContext({ viewport });
  return context.newPage();
}

/** axe-core over the whole page: no serious or critical violation. */
async function expectAccessible(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

/** The page fits a phone's width: nothing but a table's own scroller runs off the side. */
async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

const texts = (page: Page, testId: string, inner: string) => page.getByTestId(testId).locator(inner).allTextContents();

describe("browsing and searching the marketplace in a browser", () => {
  it("searches from the front page, filters models by backend and price, and pages through datanets", async () => {
    const page = await openPage({ width: 1280, height: 900 });
    await page.goto(stack.baseUrl, { waitUntil: "networkidle" });
    await page.getByTestId("search-q").fill("whales");
    await page.getByTestId("search-submit").click();
    await page.waitForURL(/\?q=whales$/);
    expect(await texts(page, "model-result", "h3")).toContain("Ishmael");
    expect(await texts(page, "datanet-result", "h3")).toContain("Moby-Dick");
    await expectAccessible(page);
    await saveScreenshot(page, "browse-front-search-desktop");

    // Filters are a GET form: the query string is the state.
    await page.goto(`${stack.baseUrl}/models`, { waitUntil: "networkidle" });
    await page.locator("#backend").selectOption("builtin");
    await page.locator("#maxPrice").fill("0.002");
    await page.locator("#sort").selectOption("price");
    await page.getByTestId("search-submit").click();
    await page.waitForURL(/maxPrice=0.002/);
    expect(await texts(page, "model-result", "h3")).toEqual(["Ishmael", "Union Address Historian"]);
    // Every demo payer is an outsider: the popular sort counts them.
    await page.goto(`${stack.baseUrl}/models?sort=popular`, { waitUntil: "networkidle" });
    const payers = await page.getByTestId("payer-count").allTextContents();
    expect(payers.every((p) => /^\d+ payers?$/.test(p))).toBe(true);
    expect(payers.some((p) => p !== "0 payers")).toBe(true);
    await expectAccessible(page);
    await saveScreenshot(page, "browse-models-desktop");

    await page.goto(`${stack.baseUrl}/datanets?sort=newest`, { waitUntil: "networkidle" });
    expect(await page.getByTestId("result-count").textContent()).toBe("1–20 of 21 datanets");
    await page.getByTestId("pager-next").click();
    await page.waitForURL(/page=2/);
    expect(await page.getByTestId("result-count").textContent()).toBe("21–21 of 21 datanets");
    expect(await texts(page, "datanet-result", "h3")).toEqual(["State of the Union addresses"]);
    await expectAccessible(page);
    await saveScreenshot(page, "browse-datanets-page2-desktop");

    // A bad query string is a message, not an error page.
    const refused = await page.goto(`${stack.baseUrl}/models?page=0&minPrice=0.0000001`);
    expect(refused?.status()).toBe(200);
    expect(await page.getByTestId("search-problems").textContent()).toMatch(/minPrice must be an amount in tUSD with at most 6 decimals/);
    await page.context().close();
  });

  it("searches a datanet's records, opens a record's Merkle proof and its contributor's profile", async () => {
    const page = await openPage({ width: 1280, height: 900 });
    await page.goto(`${stack.baseUrl}/datanets/1`, { waitUntil: "networkidle" });
    await page.getByTestId("records-link").click();
    await page.waitForURL(/\/datanets\/1\/records$/);
    expect(await page.getByTestId("result-count").textContent()).toBe("1–20 of 36 records");
    // The seeded questions were settled: some record has earned something.
    await page.getByTestId("pager-next").click();
    await page.waitForURL(/page=2/);
    expect(await page.getByTestId("record").count()).toBe(16);
    await page.getByTestId("search-q").fill("government");
    await page.getByTestId("search-submit").click();
    await page.waitForURL(/q=government/);
    // Each record found shows its matching passages, the words found marked.
    const marked = await page.getByTestId("record-excerpt").first().locator("mark").allTextContents();
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.every((word) => /^govern/i.test(word))).toBe(true);
    await expectAccessible(page);
    await saveScreenshot(page, "records-search-desktop");

    const proofHref = await page.getByTestId("record-proof").first().getAttribute("href");
    const proof = await page.request.get(`${stack.baseUrl}${proofHref}`);
    expect(proof.status()).toBe(200);
    expect(await proof.json()).toMatchObject({ proof: expect.any(Array), verified: true });

    const earned = await page.goto(`${stack.baseUrl}/datanets/1/records`, { waitUntil: "networkidle" });
    expect(earned?.status()).toBe(200);
    const contributorRow = page.getByTestId("contributor-row").first();
    await contributorRow.getByTestId("address-link").click();
    await page.waitForURL(/\/accounts\/0x[0-9a-f]{40}$/);
    const address = await page.getByTestId("account-address").textContent();
    expect(devAccounts.map((a) => a.address as string)).toContain(address);
    expect(await page.getByTestId("account-contribution").count()).toBeGreaterThan(0);
    await expectAccessible(page);
    await saveScreenshot(page, "account-desktop");

    const bad = await page.goto(`${stack.baseUrl}/accounts/not-an-address`);
    expect(bad?.status()).toBe(404);
    await page.getByTestId("account-not-found").waitFor();
    await page.context().close();
  });

  it("fits a phone's width on every browse page", async () => {
    const page = await openPage({ width: 390, height: 844 });
    for (const [path, name] of [
      ["/?q=whales", "browse-front-search-phone"],
      ["/models?backend=builtin", "browse-models-phone"],
      ["/datanets", "browse-datanets-phone"],
      ["/datanets/1/records", "records-phone"],
      [`/accounts/${devAccounts[2]!.address}`, "account-phone"],
    ] as const) {
      await page.goto(`${stack.baseUrl}${path}`, { waitUntil: "networkidle" });
      await expectNoSidewaysScroll(page);
      await expectAccessible(page);
      await saveScreenshot(page, name);
    }
    await page.context().close();
  });
});
