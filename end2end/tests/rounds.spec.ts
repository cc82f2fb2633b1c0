import type { Browser, Page, TestInfo } from "@playwright/test";
import { expect, test } from "./fixtures";
import { admin, jsOn, ready, register } from "./helpers";

/** A `datetime-local` value `hours` from now, in UTC (the round's time zone here). */
function utcIn(hours: number) {
  return new Date(Date.now() + hours * 3_600_000).toISOString().slice(0, 16);
}

async function signInAsAdmin(page: Page, info: TestInfo) {
  await page.goto("/signin");
  await ready(page, info);
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".user-name")).toBeVisible();
}

/** A page of its own (another person's phone): a fresh context with JavaScript on. */
async function anotherBrowser(browser: Browser) {
  const context = await browser.newContext({ javaScriptEnabled: true });
  return { context, page: await context.newPage() };
}

/** Waits until a vote page follows live counts. */
async function live(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.locator(".live-badge")).toHaveAttribute("data-live", "connected");
}

test("a vote in one browser shows on another's open vote page within a second", async ({ page, browser }, testInfo) => {
  test.skip(!jsOn(testInfo), "without JavaScript a page is current on each load");
  const watcher = await anotherBrowser(browser);
  await watcher.page.goto("/vote");
  await live(watcher.page);

  await register(page, testInfo, "live");
  await ready(page, testInfo);

  const card = page.locator(".proposal-list .proposal").first();
  const id = await card.getAttribute("id");
  const seen = watcher.page.locator(`#${id} .vote-count .count`);
  const before = Number(await seen.textContent());
  const started = Date.now();
  await card.getByRole("button", { name: "Vote" }).click();
  await expect(seen).toHaveText(String(before + 1), { timeout: 1_000 });
  testInfo.annotations.push({ type: "delivery", description: `${Date.now() - started} ms from click to the other page` });
  // And back, when the vote is taken back.
  await expect(card.locator(".vote-box")).toHaveAttribute("data-state", "confirmed");
  await card.getByRole("button", { name: "Voted ✓" }).click();
  await expect(seen).toHaveText(String(before), { timeout: 1_000 });
  await watcher.context.close();
});

test("a movie night: the admin opens a ranked round, ranks the films, and closes it; the vote page shows the deadline and then the winner", async ({ page, browser }, testInfo) => {
  const js = jsOn(testInfo);
  const name = `Night ${js ? "js" : "nojs"} ${Date.now().toString(36)}`;
  await signInAsAdmin(page, testInfo);

  // Open the round from the form on /rounds.
  await page.goto("/rounds");
  await ready(page, testInfo);
  await page.getByText("Open a round").click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Voting closes").fill(utcIn(2));
  await page.getByLabel("Screening").fill(utcIn(3));
  await page.getByLabel("Ballot").selectOption("ranked");
  await page.getByRole("button", { name: "Open the round" }).click();
  await expect(page).toHaveURL(/\/rounds\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  const roundUrl = new URL(page.url()).pathname;
  await ready(page, testInfo);

  // Rank two films: numbers typed in the form; with JavaScript, a button then swaps them.
  // Films at the end of the list: the winner leaves the proposals, and other tests count on the top ones.
  const titles = (await page.locator(".ranking-list li .title").allTextContents()).slice(-3);
  expect(titles.length).toBe(3);
  await page.getByLabel(`Rank for ${titles[2]}`).fill("1");
  await page.getByLabel(`Rank for ${titles[0]}`).fill("2");
  let first = titles[2];
  if (js) {
    // A button puts the list in the order of its numbers, then moves a film: the second becomes first.
    await page.getByRole("button", { name: `Move ${titles[0]} up` }).click();
    await expect(page.locator(".ranking-list li .title").first()).toHaveText(titles[0]);
    await expect(page.getByLabel(`Rank for ${titles[0]}`)).toHaveValue("1");
    await expect(page.getByLabel(`Rank for ${titles[2]}`)).toHaveValue("2");
    first = titles[0];
  }
  await page.getByRole("button", { name: "Save my ranking" }).click();
  if (js) {
    await expect(page.getByRole("status")).toHaveText("Your ranking of 2 films is saved.");
  }
  await page.goto(roundUrl);
  await ready(page, testInfo);
  await expect(page.getByLabel(`Rank for ${first}`)).toHaveValue("1");

  // Two films with one number: refused in words, nothing changed.
  const other = first === titles[0] ? titles[2] : titles[0];
  await page.getByLabel(`Rank for ${other}`).fill("1");
  await page.getByRole("button", { name: "Save my ranking" }).click();
  await expect(page.getByRole("alert")).toContainText("Two films are ranked 1");
  await page.goto(roundUrl);
  await expect(page.getByLabel(`Rank for ${first}`)).toHaveValue("1");
  await expect(page.getByLabel(`Rank for ${other}`)).toHaveValue("2");

  // The vote page names the round, with its deadline; with JavaScript it counts down.
  await page.goto("/vote");
  await ready(page, testInfo);
  const banner = page.locator(".open-round");
  await expect(banner.getByRole("link", { name })).toBeVisible();
  await expect(banner.getByRole("link", { name: "Rank the films" })).toHaveAttribute("href", roundUrl);
  await expect(banner).toContainText("(UTC)");
  await expect(banner.locator("time")).toHaveAttribute("datetime", /Z$/);
  if (js) {
    await expect(banner.locator(".countdown")).toHaveText(/^(1|2) h \d\d min$/);
  } else {
    await expect(banner.locator(".countdown")).toHaveCount(0);
  }

  // Another member's open vote page hears the round close, without a reload.
  const watcher = js ? await anotherBrowser(browser) : null;
  if (watcher) {
    await watcher.page.goto("/vote");
    await live(watcher.page);
    await expect(watcher.page.locator(".open-round")).toHaveAttribute("data-status", "open");
  }

  // The admin closes voting now: the count is shown, and the first choice has won.
  await page.goto(roundUrl);
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Close voting now" }).click();
  await expect(page.getByRole("heading", { name: "The count" })).toBeVisible();
  await expect(page.locator(".round-winner")).toHaveText(`Winner: ${first}, scheduled for the screening.`);

  if (watcher) {
    const heard = watcher.page.locator(".open-round");
    await expect(heard).toHaveAttribute("data-status", "closed", { timeout: 2_000 });
    await expect(heard.locator(".winner")).toHaveText(first);
    await watcher.context.close();
  }
  await page.goto("/vote");
  await expect(page.locator(".open-round .winner")).toHaveText(first);
  await expect(page.locator(".open-round")).toContainText("Voting has closed. The club watches");
});
