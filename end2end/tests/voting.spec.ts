import type { Page, TestInfo } from "@playwright/test";
import { expect, test } from "./fixtures";
import { admin, jsOn, PASSWORD, ready, register } from "./helpers";

/** A well-formed IMDb id nobody has proposed yet. */
function freshImdbId() {
  return `tt9${String(Date.now() % 10_000_000).padStart(7, "0")}`;
}

async function signIn(page: Page, info: TestInfo, username: string, password: string) {
  await page.goto("/signin");
  await ready(page, info);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (password === PASSWORD || username === admin.username) {
    await expect(page.locator(".user-name")).toBeVisible();
  }
}

async function proposeById(page: Page, info: TestInfo, imdbId: string) {
  await page.goto("/propose");
  await ready(page, info);
  await page.getByLabel("IMDb id or link").fill(`https://www.imdb.com/title/${imdbId}/`);
  await page.locator(".propose-form").getByRole("button", { name: "Propose" }).click();
  await expect(page).toHaveURL(/\/vote#proposal-\d+/);
  return page.url().split("#proposal-")[1];
}

test("register, sign out, sign in again; a wrong password is refused", async ({ page }, testInfo) => {
  const username = await register(page, testInfo, "reg");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await signIn(page, testInfo, username, "not my password");
  await expect(page.locator(".form-error")).toContainText("do not match");
  await signIn(page, testInfo, username, PASSWORD);
  await expect(page.locator(".user-name")).toHaveText(username);
});

test("propose by IMDb link; the details arrive on a later load", async ({ page }, testInfo) => {
  await register(page, testInfo, "prop");
  const id = freshImdbId();
  const proposal = await proposeById(page, testInfo, id);
  const card = page.locator(`#proposal-${proposal}`);
  await expect(card).toBeVisible();
  // The refresher fetches the metadata in the background; the page never waits for it.
  await expect(async () => {
    await page.reload();
    await expect(card.locator("h3")).toHaveText(`Generated Film ${id}`, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(card.locator(".plot")).toHaveText(`What happens in Generated Film ${id}.`);
  await expect(card.locator(".card-meta")).toContainText("1h 41m");
});

test("propose by searching for a title", async ({ page }, testInfo) => {
  await register(page, testInfo, "search");
  await page.goto("/propose");
  await ready(page, testInfo);
  const title = jsOn(testInfo) ? "Aftersun" : "Perfect Days";
  const box = page.getByLabel("Search IMDb by title");
  if (jsOn(testInfo)) {
    await box.pressSequentially(title.toLowerCase(), { delay: 40 }); // results appear as one types
  } else {
    await box.fill(title.toLowerCase());
    await page.getByRole("button", { name: "Search" }).click();
  }
  const result = page.locator(".search-result").filter({ hasText: title });
  await expect(result).toBeVisible();
  await result.getByRole("button", { name: "Propose" }).click();
  await expect(page).toHaveURL(/\/vote#proposal-\d+/);
  const proposal = page.url().split("#proposal-")[1];
  await expect(page.locator(`#proposal-${proposal} h3`)).toHaveText(title);
});

test("vote and unvote: the button and count change at once and survive a reload", async ({ page }, testInfo) => {
  await register(page, testInfo, "voter");
  // A page of its own, loaded and interactive, so the marker below is on the page that votes.
  await page.goto("/vote");
  await ready(page, testInfo);
  const card = page.locator(".proposal-list .proposal").first();
  const count = card.locator(".vote-count .count");
  const before = Number(await count.textContent());
  await expect(card.locator(".vote-button")).toHaveText("Vote");
  if (jsOn(testInfo)) {
    // No navigation may happen: a marker on the window would not survive one.
    await page.evaluate(() => ((window as unknown as { stay: boolean }).stay = true));
  }
  await card.getByRole("button", { name: "Vote" }).click();
  await expect(card.locator(".vote-button")).toHaveText("Voted ✓");
  await expect(count).toHaveText(String(before + 1));
  // The change is shown at once, but only the server's answer makes it stick: wait for that.
  await expect(card.locator(".vote-box")).toHaveAttribute("data-state", "confirmed");
  if (jsOn(testInfo)) {
    expect(await page.evaluate(() => (window as unknown as { stay?: boolean }).stay)).toBe(true);
  }
  await page.reload();
  await ready(page, testInfo);
  const same = page.locator(`#${await card.getAttribute("id")}`);
  await expect(same.locator(".vote-button")).toHaveText("Voted ✓");
  await expect(same.locator(".vote-count .count")).toHaveText(String(before + 1));
  await same.getByRole("button", { name: "Voted ✓" }).click();
  await expect(same.locator(".vote-button")).toHaveText("Vote");
  await expect(same.locator(".vote-count .count")).toHaveText(String(before));
  await expect(same.locator(".vote-box")).toHaveAttribute("data-state", "confirmed");
  await page.reload();
  await expect(page.locator(`#${await card.getAttribute("id")} .vote-count .count`)).toHaveText(String(before));
});

test("a vote the server is too busy for is sent once more, and a second refusal is shown", async ({ page }, testInfo) => {
  test.skip(!jsOn(testInfo), "the retry is the page's code; a plain form post is answered by the server's busy page");
  await register(page, testInfo, "busy");
  await page.goto("/vote");
  await ready(page, testInfo);
  const card = page.locator(".proposal-list .proposal").first();
  const count = card.locator(".vote-count .count");
  const before = Number(await count.textContent());
  // The server answers the first vote as it does when it is full; then it is free again.
  let posts = 0;
  let refuse = 1;
  await page.route("**/api/cast_vote", async (route) => {
    posts += 1;
    if (posts <= refuse) {
      await route.fulfill({
        status: 503,
        headers: { "content-type": "application/json", "retry-after": "1" },
        body: JSON.stringify("Unavailable"),
      });
    } else {
      await route.continue();
    }
  });
  await card.getByRole("button", { name: "Vote" }).click();
  await expect(card.locator(".vote-box")).toHaveAttribute("data-state", "confirmed");
  await expect(card.locator(".vote-button")).toHaveText("Voted ✓");
  await expect(count).toHaveText(String(before + 1));
  await expect(card.getByRole("alert")).toHaveCount(0);
  expect(posts).toBe(2);

  // Refused twice: the vote is not taken back silently; the member is told.
  posts = 0;
  refuse = 2;
  await card.getByRole("button", { name: "Voted ✓" }).click();
  await expect(card.getByRole("alert")).toContainText("temporarily unavailable");
  await expect(card.locator(".vote-box")).toHaveAttribute("data-state", "confirmed");
  await expect(card.locator(".vote-button")).toHaveText("Voted ✓");
  expect(posts).toBe(2);

  // The server is free again: the vote is taken back, and the count is as it was.
  await page.unroute("**/api/cast_vote");
  await card.getByRole("button", { name: "Voted ✓" }).click();
  await expect(card.locator(".vote-button")).toHaveText("Vote");
  await expect(card.locator(".vote-box")).toHaveAttribute("data-state", "confirmed");
  await expect(count).toHaveText(String(before));
});

test("the proposal limit is enforced, and withdrawing frees a slot", async ({ page }, testInfo) => {
  const username = await register(page, testInfo, "limit");
  const first = await proposeById(page, testInfo, freshImdbId());
  // The admin lowers this member's limit to 1.
  const adminPage = await page.context().browser()!.newPage({ javaScriptEnabled: jsOn(testInfo) });
  await signIn(adminPage, testInfo, admin.username, admin.password);
  await adminPage.goto("/admin");
  await ready(adminPage, testInfo);
  const row = adminPage.locator(`tr[data-member="${username}"]`);
  await row.getByLabel("Proposal limit").fill("1");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByLabel("Proposal limit")).toHaveValue("1");
  if (jsOn(testInfo)) await expect(row.locator(".form-ok")).toHaveText("Saved");
  await adminPage.close();

  await page.goto("/propose");
  await ready(page, testInfo);
  await expect(page.locator(".quota")).toContainText("1 of 1 used");
  await page.getByLabel("IMDb id or link").fill(freshImdbId().replace("tt9", "tt8"));
  await page.locator(".propose-form").getByRole("button", { name: "Propose" }).click();
  await expect(page.locator(".form-error")).toContainText("You have used all 1 of your proposal slots");

  await page.goto("/vote");
  await ready(page, testInfo);
  await page.locator(`#proposal-${first}`).getByRole("button", { name: "Withdraw" }).click();
  if (jsOn(testInfo)) {
    await expect(page.locator(`#proposal-${first}`)).toBeHidden();
  }
  await page.goto("/vote");
  await expect(page.locator(`#proposal-${first}`)).toHaveCount(0);
  await page.goto("/propose");
  await expect(page.locator(".quota")).toContainText("0 of 1 used");
});

test("the admin marks a film watched and members rate it", async ({ page }, testInfo) => {
  const member = await register(page, testInfo, "rater");
  const proposal = await proposeById(page, testInfo, freshImdbId());
  await page.getByRole("button", { name: "Sign out" }).click();

  await signIn(page, testInfo, admin.username, admin.password);
  await page.goto("/vote");
  await ready(page, testInfo);
  await page.locator(`#proposal-${proposal}`).getByRole("button", { name: "Mark watched" }).click();
  if (jsOn(testInfo)) await expect(page.locator(`#proposal-${proposal}`)).toBeHidden();
  await page.goto("/vote/watched");
  const watched = page.locator(`[data-proposal="${proposal}"]`);
  await expect(watched).toContainText("Not rated yet");
  await page.getByRole("button", { name: "Sign out" }).click();

  await signIn(page, testInfo, member, PASSWORD);
  await page.goto("/vote/watched");
  await ready(page, testInfo);
  await watched.getByRole("button", { name: "4 stars" }).click();
  await expect(watched.locator(".stars")).toContainText("You: 4★");
  await page.reload();
  await expect(watched).toContainText("Club rating 4.0★ from 1");
});
