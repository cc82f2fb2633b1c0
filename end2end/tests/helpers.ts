import { expect, Page, TestInfo } from "@playwright/test";

/** With JavaScript on, waits until the page is hydrated (interactive); without it, there is nothing to wait for. */
export async function ready(page: Page, testInfo: TestInfo) {
  if (testInfo.project.use.javaScriptEnabled !== false) {
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  }
}

/** The admin the test server is started with (`marquee admin create`). */
export const admin = { username: "e2e_admin", password: "e2e admin password" };
