import { expect, test } from "./fixtures";
import { ready } from "./helpers";

test("pages fit the screen without sideways scrolling", async ({ page }, testInfo) => {
  for (const path of ["/", "/vote", "/movies", "/predictions", "/dashboard"]) {
    await page.goto(path);
    await ready(page, testInfo);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
  }
});

test("the poster grid adapts to the screen", async ({ page }, testInfo) => {
  await page.goto("/movies");
  await ready(page, testInfo);
  const cards = page.locator(".poster-grid .card");
  const first = await cards.nth(0).boundingBox();
  const second = await cards.nth(1).boundingBox();
  const width = page.viewportSize()!.width;
  expect(first && second).toBeTruthy();
  // Phones get two columns; desktops get many.
  const perRow = Math.round(width / (second!.x - first!.x));
  if (width < 500) expect(perRow).toBe(2);
  else expect(perRow).toBeGreaterThanOrEqual(5);
});

test("posters keep their 2:3 shape in lists, cards and the film page", async ({ page }, testInfo) => {
  for (const [path, selector] of [
    ["/vote", ".proposal img.poster"],
    ["/predictions", ".prediction img.poster"],
    ["/movies", ".poster-grid .card img.poster"],
    ["/movies/tt15398776", ".film-head img.poster"],
  ]) {
    await page.goto(path);
    await ready(page, testInfo);
    const poster = page.locator(selector).first();
    await expect(poster, `${path} shows a poster`).toBeVisible();
    const box = (await poster.boundingBox())!;
    expect(box.height / box.width, `${path}: ${box.width}×${box.height}`).toBeCloseTo(1.5, 1);
  }
});
