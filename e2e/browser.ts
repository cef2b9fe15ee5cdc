import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

/** A launched headless Chromium and the temp folder holding its profile dirs. */
export type LaunchedBrowser = { browser: Browser; close: () => Promise<void> };

/**
 * Launches the system Chromium (CHROMIUM_PATH, default /usr/bin/chromium) headless, with its
 * config and cache in a temp folder so runs leave nothing behind and never phone home.
 */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  const home = mkdtempSync(join(tmpdir(), "upstream-chromium-"));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
    env: { ...process.env, XDG_CONFIG_HOME: join(home, "config"), XDG_CACHE_HOME: join(home, "cache") },
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
