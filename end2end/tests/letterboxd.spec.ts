import { expect, test } from "./fixtures";
import { ready, register } from "./helpers";

// Letterboxd's ratings.csv, as its export writes it: "Nosferatu" without a year fits two films of
// the demo catalogue (1922 and 2024); the others are written differently from the catalogue.
const RATINGS = [
  "Date,Name,Year,Letterboxd URI,Rating",
  "2024-12-30,Nosferatu,,https://boxd.it/a1,4.5",
  "2023-05-01,Amelie,2001,https://boxd.it/a2,5",
  '2022-02-02,"LEON: THE PROFESSIONAL",1994,https://boxd.it/a3,3.5',
  "2021-01-01,A Film Nobody Made,2020,https://boxd.it/a4,2",
  "",
].join("\n");

test("a member uploads a Letterboxd export, reviews the matches, picks a candidate and imports", async ({ page }, testInfo) => {
  await register(page, testInfo, "letterboxd");
  await page.goto("/account");
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Import them from Letterboxd" }).click();
  await expect(page).toHaveURL(/\/account\/letterboxd$/);
  await ready(page, testInfo);

  // The dry run: how each film matched, and nothing stored yet.
  await page
    .getByLabel("Your Letterboxd export (.zip or .csv)")
    .setInputFiles({ name: "ratings.csv", mimeType: "text/csv", buffer: Buffer.from(RATINGS) });
  await page.getByRole("button", { name: "Read the export" }).click();
  await expect(page).toHaveURL(/\/account\/letterboxd\?import=\d+/);
  await ready(page, testInfo);
  await expect(page.locator("[data-import-summary]")).toHaveText("ratings.csv: 4 films. 2 matched, 1 need your pick, 1 not found.");
  await expect(page.locator(".import-missing")).toContainText("A Film Nobody Made (2020)");
  await expect(page.locator(".import-matched")).toContainText("Léon: The Professional (1994)");
  const ratings = await page.request.get("/api/v1/ratings");
  expect(await ratings.json()).toEqual([]);

  // The pick, then the import.
  const pick = page.locator("fieldset.pick");
  await expect(pick).toHaveCount(1);
  await pick.getByLabel("Nosferatu (2024)").check();
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.locator("[data-import-result]")).toContainText(
    "3 films imported: 3 ratings added, 0 updated, 0 viewings added; 1 films left out",
  );
  await expect(page.locator("[data-import-result]")).toContainText("Your ratings are yours alone.");
  await expect(page.locator("[data-import-form]")).toHaveCount(0);

  // The member's ratings now hold the picked film, in half stars.
  const mine = (await (await page.request.get("/api/v1/ratings")).json()) as { movie_id: number; stars: number }[];
  expect(mine.map((r) => r.stars).sort()).toEqual([3.5, 4.5, 5]);
  const nosferatu = (await (await page.request.get("/api/v1/movies?q=nosferatu")).json()) as {
    items: { id: number; year: number }[];
  };
  const picked = nosferatu.items.find((m) => m.year === 2024)!;
  expect(mine.find((r) => r.movie_id === picked.id)?.stars).toBe(4.5);
});

test("a file that is not an export is refused with the reason, and nothing is stored", async ({ page }, testInfo) => {
  await register(page, testInfo, "letterboxd_bad");
  await page.goto("/account/letterboxd");
  await ready(page, testInfo);
  await page
    .getByLabel("Your Letterboxd export (.zip or .csv)")
    .setInputFiles({ name: "holiday.png", mimeType: "image/png", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]) });
  await page.getByRole("button", { name: "Read the export" }).click();
  await expect(page.getByRole("alert")).toContainText("This is not a Letterboxd export");
  await page.getByRole("link", { name: "Back to the import" }).click();
  await expect(page).toHaveURL(/\/account\/letterboxd$/);
  await expect(page.locator("[data-import-summary]")).toHaveCount(0);
});
