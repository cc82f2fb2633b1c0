import { expect, test } from "./fixtures";
import { ready, register } from "./helpers";

test("a member makes an API token, sees it once, uses it from a script, and revokes it", async ({ page, request }, testInfo) => {
  await register(page, testInfo, "tokens");
  await page.goto("/account");
  await ready(page, testInfo);
  await page.getByLabel("Name", { exact: true }).fill("club bot");
  await page.getByLabel("May").selectOption("vote");
  await page.getByRole("button", { name: "Make a token" }).click();
  const shown = page.locator("[data-new-token]");
  await expect(shown).toHaveText(/^mq_[0-9a-f]{64}$/);
  const token = (await shown.textContent())!;
  await expect(page.locator("tr[data-token]")).toHaveCount(1);
  await expect(page.locator("tr[data-token]")).toContainText("Read and vote");

  // A script (no cookies: a request context of its own) gets in with the token alone.
  const auth = { Authorization: `Bearer ${token}` };
  expect((await request.get("/api/v1/ratings", { headers: auth })).status()).toBe(200);

  // Shown once: the next visit lists the token but does not show it.
  await page.goto("/account");
  await ready(page, testInfo);
  await expect(page.locator("tr[data-token]")).toHaveCount(1);
  await expect(page.locator("[data-new-token]")).toHaveCount(0);

  // Revoked: the row goes, and the token no longer works.
  await page.locator("tr[data-token]").getByRole("button", { name: "Revoke" }).click();
  await expect(page.locator("tr[data-token]")).toHaveCount(0);
  expect((await request.get("/api/v1/ratings", { headers: auth })).status()).toBe(401);
});
