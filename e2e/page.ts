import { join } from "node:path";
import type { Page } from "playwright-core";
import type { InjectedWallet } from "./wallet";

/** Where screenshots land for a person to look at (git-ignored). */
export const screenshotDir = join(process.cwd(), "test-results", "screenshots");

/** Connects the injected wallet through RainbowKit's own buttons; resolves once the account button shows. */
export async function connectWallet(page: Page, wallet: InjectedWallet): Promise<void> {
  await page.getByTestId("rk-connect-button").first().click();
  await page.getByTestId("rk-wallet-option-injected").click();
  await page.getByTestId("rk-account-button").first().waitFor();
  if (!wallet.connected) throw new Error("RainbowKit shows an account but the wallet granted none");
}

/** A full-page screenshot `<screenshotDir>/<name>.png`, taken from the top (else the sticky header lands mid-page). */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await page.evaluate("window.scrollTo(0, 0)");
  // Transitions finished: a button just enabled is shown in its colour, not half-way there.
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true, animations: "disabled" });
}
