import { expect, test } from "./fixtures";
import { ready } from "./helpers";

const rows = ".predictions .prediction";
const jsOn = (info: { project: { use: { javaScriptEnabled?: boolean } } }) => info.project.use.javaScriptEnabled !== false;

test("the ranking shows at once, with badges, scores and likelihoods", async ({ page }, testInfo) => {
  const response = await page.goto("/predictions");
  expect(response?.status()).toBe(200);
  await ready(page, testInfo);
  await expect(page.locator(rows).first()).toHaveAttribute("data-rank", "1");
  expect(await page.locator(rows).count()).toBeGreaterThanOrEqual(25);
  await expect(page.locator(rows).first().locator(".badge")).toHaveText("Candidate");
  await expect(page.locator(rows).first().locator(".likelihood-label")).toContainText("% likely");
  // The score and how many dimensions carry it read as two things, not "77.24 of 5".
  const score = page.locator(rows).first().locator(".prediction-score");
  await expect(score.locator(".score")).toHaveText(/^\d+\.\d$/);
  await expect(score.locator(".dimensions")).toHaveText(/^[0-5] of 5 dimensions$/);
});

test("scrolling loads more films until the end", async ({ page }, testInfo) => {
  test.skip(!jsOn(testInfo), "infinite scroll needs JavaScript; the no-JS test pages with links");
  await page.goto("/predictions");
  await ready(page, testInfo);
  for (let i = 0; i < 20; i++) {
    if (await page.getByText("That is every film.").isVisible()) break;
    await page.mouse.wheel(0, 20000);
    await page.waitForTimeout(150);
  }
  await expect(page.getByText("That is every film.")).toBeVisible();
  const ranks = await page.locator(rows).evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-rank"))));
  expect(ranks.length).toBeGreaterThan(100);
  expect(ranks).toEqual(ranks.map((_, i) => i + 1)); // no gaps, no repeats, in order
});

test("the next films are fetched ahead once the page is alive, so scrolling to them does not wait", async ({ page }, testInfo) => {
  test.skip(!jsOn(testInfo), "fetching ahead needs JavaScript; the no-JS test pages with links");
  const from = (offset: number) => (url: string) => url.includes("/api/predictions?") && new URL(url).searchParams.get("offset") === String(offset);
  const asked: string[] = [];
  page.on("request", (request) => asked.push(request.url()));
  const ahead = page.waitForResponse((response) => from(25)(response.url()) && response.ok());
  await page.goto("/predictions");
  await ready(page, testInfo);
  await ahead;
  // Fetched, not shown: the page still holds its first 25 until the reader scrolls on.
  expect(await page.locator(rows).count()).toBe(25);
  const further = page.waitForResponse((response) => from(50)(response.url()) && response.ok());
  await page.locator(rows).last().scrollIntoViewIfNeeded();
  await expect(page.locator(`${rows}[data-rank="26"]`)).toBeAttached();
  await expect(page.locator(`${rows}[data-rank="50"]`)).toBeAttached();
  // Shown from what was fetched ahead (no second request for it), and the run after it is on its way.
  await further;
  expect(asked.filter(from(25))).toHaveLength(1);
});

test("without JavaScript a More link continues after the last rank shown, and the URL says where", async ({ page }, testInfo) => {
  test.skip(jsOn(testInfo), "the no-JS path");
  await page.goto("/predictions");
  const last = Number(await page.locator(rows).last().getAttribute("data-rank"));
  expect(last).toBe(25);
  await page.getByRole("link", { name: "More films" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.locator(rows).first()).toHaveAttribute("data-rank", String(last + 1));
});

test("choosing a profile re-ranks and is shareable", async ({ page }, testInfo) => {
  await page.goto("/predictions");
  await ready(page, testInfo);
  // The weights wait in a closed panel below the tabs; the ranking comes first.
  await expect(page.locator("details.weights")).not.toHaveAttribute("open", "");
  await page.locator(".weights > summary").click();
  await page.getByRole("link", { name: "Award Winner" }).click();
  await expect(page).toHaveURL(/profile=award-winner/);
  await expect(page.getByRole("link", { name: "Award Winner" })).toHaveAttribute("aria-current", "true");
  await expect(page.locator("#w-industry")).toHaveValue("45");
  await page.reload();
  await expect(page.getByRole("link", { name: "Award Winner" })).toHaveAttribute("aria-current", "true");
});

test("sliders must add up to 100 %", async ({ page }, testInfo) => {
  test.skip(!jsOn(testInfo), "live totals need JavaScript");
  await page.goto("/predictions");
  await ready(page, testInfo);
  await page.locator(".weights > summary").click();
  await page.locator("#w-popular").fill("50");
  await expect(page.locator(".sliders-total")).toContainText("Total 130 %");
  await expect(page.getByRole("button", { name: "Apply" })).toBeDisabled();
  await expect(page).toHaveURL(/\/predictions$/);
  await page.locator("#w-critical").fill("0");
  await page.locator("#w-industry").fill("0");
  await page.locator("#w-cultural").fill("30");
  await expect(page.locator(".sliders-total")).toHaveText("Total 100 %");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/w=50,0,0,30,20/);
  await expect(page.locator(".chip[aria-current=true]")).toHaveText("Custom");
  await page.getByRole("link", { name: "Reset" }).click();
  await expect(page).toHaveURL(/\/predictions$/);
});

test("custom weights work from a plain form too", async ({ page }, testInfo) => {
  test.skip(jsOn(testInfo), "the no-JS path");
  await page.goto("/predictions?w=10,20,30,25,15");
  await expect(page.locator(".chip[aria-current=true]")).toHaveText("Custom");
  await expect(page.locator("#w-industry")).toHaveValue("30");
  const bad = await page.goto("/predictions?w=90,90,0,0,0");
  expect(bad?.status()).toBe(400);
  await expect(page.getByRole("alert").first()).toContainText("must add up to 100 %");
});

test("a film's breakdown opens from the list and by URL", async ({ page }, testInfo) => {
  await page.goto("/predictions");
  await ready(page, testInfo);
  const first = page.locator(rows).first();
  const title = (await first.locator("h3").textContent())!.trim();
  await first.locator("h3 a").click();
  await expect(page).toHaveURL(/film=tt\d+/);
  const panel = page.getByRole("region", { name: "Score breakdown" });
  await expect(panel.getByRole("heading", { level: 2 })).toContainText(title);
  await expect(panel.locator("tbody tr")).toHaveCount(5);
  await page.goto("/predictions?film=tt15398776&tab=on-list");
  await expect(page.getByRole("region", { name: "Score breakdown" })).toContainText("Oppenheimer");
  await expect(page.getByRole("region", { name: "Score breakdown" })).toContainText("on the list since 2024");
});

test("backtest and comparison tabs", async ({ page }, testInfo) => {
  await page.goto("/predictions?tab=backtest");
  await ready(page, testInfo);
  await expect(page.getByRole("region", { name: "Backtest" }).locator("tbody tr")).toHaveCount(10);
  await page.getByRole("link", { name: "Profile comparison" }).click();
  await expect(page).toHaveURL(/tab=compare/);
  await expect(page.getByRole("region", { name: "Profile comparison" })).toContainText("Best overall");
  await page.getByRole("link", { name: "Already on the list" }).click();
  await expect(page.locator(rows).first().locator(".badge")).toContainText("On the list (");
});
