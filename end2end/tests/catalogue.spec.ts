import type { Page, TestInfo } from "@playwright/test";
import { expect, test } from "./fixtures";
import { admin, ready } from "./helpers";

const PASSWORD = "a long enough password";
const jsOn = (info: TestInfo) => info.project.use.javaScriptEnabled !== false;

async function registerMember(page: Page, info: TestInfo) {
  const username = `cat_${jsOn(info) ? "js" : "nojs"}_${Date.now().toString(36)}`;
  await page.goto("/register");
  await ready(page, info);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator(".user-name")).toHaveText(username);
}

test("browse and filter the catalogue; the filters live in the URL", async ({ page }, testInfo) => {
  await page.goto("/movies");
  await ready(page, testInfo);
  await expect(page.locator(".poster-grid .card").first()).toBeVisible();
  expect(await page.locator(".poster-grid[data-page] .card").count()).toBe(20);
  await page.getByLabel("Genre").selectOption("Western");
  await page.getByLabel("Decade").selectOption("1960");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/genre=Western/);
  await expect(page).toHaveURL(/decade=1960/);
  const cards = page.locator(".poster-grid[data-page] .card");
  await expect(cards.first()).toBeVisible();
  for (const genres of await cards.locator(".card-genres").allTextContents()) expect(genres).toContain("Western");
  for (const meta of await cards.locator(".card-meta").allTextContents()) expect(meta).toMatch(/^196\d/);

  await page.goto("/movies?q=amelie");
  await expect(page.locator(".card-title").first()).toHaveText("Amélie");
});

test("scrolling (or the page links) reaches further films", async ({ page }, testInfo) => {
  await page.goto("/movies?sort=title");
  await ready(page, testInfo);
  if (jsOn(testInfo)) {
    await page.mouse.wheel(0, 20000);
    await expect(page.locator(".poster-grid.appended .card").first()).toBeVisible();
  } else {
    await page.getByRole("link", { name: "Next →" }).click();
    await expect(page).toHaveURL(/page=2/);
    await expect(page.locator(".poster-grid[data-page='2'] .card")).toHaveCount(20);
  }
});

test("open a film, rate it, and see recommendations change", async ({ page }, testInfo) => {
  await registerMember(page, testInfo);
  await page.goto("/movies/for-you");
  await ready(page, testInfo);
  const reasons = page.locator(".recommendation .reason");
  await expect(reasons.first()).toContainText("rate a few films");
  const before = await page.locator(".recommendation .card-title").allTextContents();

  await page.goto("/movies?q=the%20shining");
  await page.locator(".card-title a").first().click();
  await expect(page.locator("h1")).toHaveText("The Shining");
  await ready(page, testInfo);
  await expect(page.locator(".film")).toContainText("Stanley Kubrick");
  await expect(page.locator(".your-rating")).toHaveText("Not rated by you");
  await page.getByRole("button", { name: "5 stars", exact: true }).click();
  await expect(page.locator(".your-rating")).toHaveText("Your rating: 5★");
  await page.reload();
  await expect(page.locator(".your-rating")).toHaveText("Your rating: 5★");
  await expect(page.locator(".member-rating")).toContainText("Members' rating");

  await page.goto("/movies/for-you");
  await expect(reasons.first()).toContainText("Because you rated The Shining highly");
  const after = await page.locator(".recommendation .card-title").allTextContents();
  expect(after).not.toEqual(before);
  expect(after).not.toContain("The Shining");
});

test("an admin uploads a CSV of films and finds them in the catalogue", async ({ page }, testInfo) => {
  test.skip(!jsOn(testInfo), "the upload sends the file with JavaScript; without it, `marquee import` does the job");
  await page.goto("/signin");
  await ready(page, testInfo);
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".user-name")).toBeVisible();
  await page.goto("/admin");
  await ready(page, testInfo);
  const csv = "imdb_id,title,year,genres,imdb_rating\ntt0000901,Uploaded In The Browser,2024,Drama,7.1\nbad,row,,,\n";
  await page.getByLabel("File to import").setInputFiles({ name: "films.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByLabel("Dry run (check and report, write nothing)").uncheck();
  await page.getByRole("button", { name: "Upload" }).click();
  const answer = page.locator(".api-answer");
  await expect(answer).toContainText("HTTP 200");
  await expect(answer).toContainText('"created": 1');
  await expect(answer).toContainText('"dry_run": false');
  await expect(answer).toContainText('"line": 3');
  await page.goto("/movies?q=uploaded%20in%20the");
  await expect(page.locator(".card-title").first()).toHaveText("Uploaded In The Browser");
});
