import { expect, test } from "./fixtures";
import { register } from "./helpers";

// Two servers on one PostgreSQL (started by playwright.config.ts when a throwaway cluster is given).
const postgres = process.env.MARQUEE_TEST_PG_URL;
const port = Number(process.env.MARQUEE_E2E_PORT ?? 3100);
const [a, b] = (process.env.MARQUEE_E2E_INSTANCE_PORTS ?? `${port + 1},${port + 2}`).split(",").map(Number);

test("a vote on one server shows on a vote page open on another within a second", async ({ browser }, testInfo) => {
  test.skip(!postgres, "needs PostgreSQL: run under scripts/with-postgres.sh (scripts/test.sh does)");
  test.skip(testInfo.project.use.javaScriptEnabled === false, "without JavaScript a page is current on each load");
  const onA = await browser.newContext({ baseURL: `http://127.0.0.1:${a}` });
  const onB = await browser.newContext({ baseURL: `http://127.0.0.1:${b}` });
  const voter = await onA.newPage();
  const watcher = await onB.newPage();

  // The watcher follows live counts on B; both servers show the same club.
  await watcher.goto("/vote");
  await expect(watcher.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(watcher.locator(".live-badge")).toHaveAttribute("data-live", "connected");

  await register(voter, testInfo, "across");
  await expect(voter.locator("html")).toHaveAttribute("data-hydrated", "true");

  const card = voter.locator(".proposal-list .proposal").first();
  const seen = watcher.locator(`#${await card.getAttribute("id")} .vote-count .count`);
  const before = Number(await seen.textContent());
  await card.getByRole("button", { name: "Vote" }).click();
  await expect(seen).toHaveText(String(before + 1), { timeout: 1_000 });
  await expect(card.locator(".vote-box")).toHaveAttribute("data-state", "confirmed");
  await card.getByRole("button", { name: "Voted ✓" }).click();
  await expect(seen).toHaveText(String(before), { timeout: 1_000 });
  await onA.close();
  await onB.close();
});
