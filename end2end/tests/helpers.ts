import { expect, Page, TestInfo } from "@playwright/test";

/** With JavaScript on, waits until the page is hydrated (interactive); without it, there is nothing to wait for. */
export async function ready(page: Page, testInfo: TestInfo) {
  if (testInfo.project.use.javaScriptEnabled !== false) {
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  }
}

/** The admin the test server is started with (`marquee admin create`). */
export const admin = { username: "e2e_admin", password: "e2e admin password" };

/** A member's password in the tests. */
export const PASSWORD = "a long enough password";
export const jsOn = (info: TestInfo) => info.project.use.javaScriptEnabled !== false;

/** A fresh member name for this project and test (the server keeps its data across tests). */
function uniqueName(info: TestInfo, stem: string) {
  const tag = jsOn(info) ? "js" : "nojs";
  return `${stem}_${tag}_${Date.now().toString(36)}`;
}

/** Registers a new member (whose name is returned) and waits until they are signed in. */
export async function register(page: Page, info: TestInfo, stem: string) {
  const username = uniqueName(info, stem);
  await page.goto("/register");
  await ready(page, info);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/vote/);
  await expect(page.locator(".user-name")).toHaveText(username);
  return username;
}
