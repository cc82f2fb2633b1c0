import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext } from "@playwright/test";
import { expect, test } from "./fixtures";
import { admin, jsOn } from "./helpers";

// What a first visit moves over the wire, per page, against its budget in Cargo.toml
// (`package.metadata.marquee.page-budget-bytes`): the HTML, the CSS, the JavaScript and every wasm
// file the page loads until it is interactive, headers included, as Chromium counts them. Posters
// are counted apart (they are not code, and load lazily past the first screen): at most
// IMAGE_BUDGET for what a first screen shows, all of it from Marquee itself.
const IMAGE_BUDGET = 400_000;
const cargo = readFileSync(join(__dirname, "..", "..", "Cargo.toml"), "utf8");
const budgets: Record<string, number> = Object.fromEntries(
  [...(/^page-budget-bytes\s*=\s*\{([^}]*)\}/m.exec(cargo)?.[1] ?? "").matchAll(/(\w+)\s*=\s*(\d+)/g)].map((m) => [m[1], Number(m[2])]),
);

type Visit = { name: string; page: string; bytes: number; requests: number; wasm: string[]; images: number; imageBytes: number; foreign: string[] };

/** Opens `path` in a fresh context (an empty cache), waits until it is hydrated and every request
 * it started has finished (the live-count stream aside), and counts the bytes. */
async function firstVisit(context: BrowserContext, name: string, path: string): Promise<Visit> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const open = new Set<string>();
  const urls = new Map<string, string>();
  const imageRequests = new Set<string>();
  const origins = new Set<string>();
  let bytes = 0;
  let requests = 0;
  let images = 0;
  let imageBytes = 0;
  cdp.on("Network.requestWillBeSent", (e) => {
    if (!e.request.url.startsWith("data:")) origins.add(new URL(e.request.url).origin);
    if (e.type === "EventSource") return;
    open.add(e.requestId);
    urls.set(e.requestId, e.request.url);
    if (e.type === "Image") imageRequests.add(e.requestId);
  });
  cdp.on("Network.loadingFinished", (e) => {
    if (!open.delete(e.requestId)) return;
    if (imageRequests.has(e.requestId)) {
      images += 1;
      imageBytes += e.encodedDataLength;
      return;
    }
    bytes += e.encodedDataLength;
    requests += 1;
  });
  cdp.on("Network.loadingFailed", (e) => open.delete(e.requestId));
  await page.goto(path);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect.poll(() => open.size, { message: `requests of ${path} still open` }).toBe(0);
  const own = new URL(page.url()).origin;
  const wasm = [...urls.values()].filter((u) => u.endsWith(".wasm")).map((u) => new URL(u).pathname.split("/").pop()!);
  await page.close();
  return { name, page: path, bytes, requests, wasm, images, imageBytes, foreign: [...origins].filter((o) => o !== own) };
}

async function freshContext(browser: Browser, cookies: Awaited<ReturnType<BrowserContext["cookies"]>> = []) {
  const context = await browser.newContext({ javaScriptEnabled: true });
  await context.addCookies(cookies);
  return context;
}

test("a first visit to each main page stays within its byte budget and loads only its own code", async ({ browser, page, context }, testInfo) => {
  test.skip(!jsOn(testInfo), "measures what a browser running the pages downloads");
  test.setTimeout(120_000);
  expect(Object.keys(budgets).sort(), "page-budget-bytes in Cargo.toml").toEqual(["film", "movies", "predictions", "round", "vote"]);

  // A signed-in member (the admin) for /vote as members see it; the round measured is the newest,
  // which the movie-night test (run before this project) opened and closed.
  const signIn = await context.request.post("/api/sign_in", { form: { username: admin.username, password: admin.password } });
  expect(signIn.ok()).toBeTruthy();
  const round = (await (await context.request.get("/api/v1/rounds?limit=1")).json()).items?.[0]?.id;
  expect(round, "a round to measure").toBeGreaterThan(0);
  const member = await context.cookies();

  const visits: Visit[] = [];
  for (const [name, path, signedIn] of [
    ["predictions", "/predictions", false],
    ["vote", "/vote", true],
    ["movies", "/movies", false],
    ["film", "/movies/tt15398776", false],
    ["round", `/rounds/${round}`, true],
  ] as const) {
    const fresh = await freshContext(browser, signedIn ? member : []);
    visits.push(await firstVisit(fresh, name, path));
    await fresh.close();
  }

  console.log("\nFirst visit, bytes on the wire:");
  console.log("| page | bytes | budget | requests | wasm files | posters | poster bytes |");
  for (const v of visits) {
    const budget = budgets[v.name];
    console.log(
      `| ${v.page} | ${v.bytes.toLocaleString("en")} ${v.bytes <= budget ? "✓" : "✗"} | ${budget.toLocaleString("en")} | ${v.requests} | ${v.wasm.length} | ${v.images} | ${v.imageBytes.toLocaleString("en")} |`,
    );
  }
  for (const v of visits) {
    expect(v.bytes, `${v.page}: bytes on a first visit`).toBeLessThanOrEqual(budgets[v.name]);
    expect(v.imageBytes, `${v.page}: poster bytes on the first screen`).toBeLessThanOrEqual(IMAGE_BUDGET);
    expect(v.foreign, `${v.page} asks no other host for anything`).toEqual([]);
    // The demo's films have posters: the first screen shows them, from Marquee.
    if (v.name !== "round") expect(v.images, `${v.page} shows posters`).toBeGreaterThan(0);
    // The page's own group of code loads, and no other page group's.
    const groups = v.wasm.filter((name) => name.startsWith("split_"));
    expect(groups, `${v.page} loads one page group`).toHaveLength(1);
  }
  const groupOf = (path: string) => visits.find((v) => v.page === path)!.wasm.find((n) => n.startsWith("split_"));
  expect(groupOf("/predictions")).toContain("predictions_pages");
  expect(groupOf("/vote")).toContain("vote_pages");
  expect(groupOf("/movies")).toContain("catalogue_pages");
  expect(groupOf("/movies/tt15398776")).toContain("catalogue_pages");
  expect(groupOf(`/rounds/${round}`)).toContain("round_pages");
  await page.close();
});
