// What a member on a phone waits for: Debian's Chromium at 390×844 with the network held to
// 1.6 Mbit/s down, 750 kbit/s up and a 150 ms round trip, and the CPU slowed 4×. For each page,
// a first visit (empty cache) and a repeat visit (same browser): when the top content is on
// screen, when the page is hydrated (interactive), and how many bytes crossed the network (posters
// apart: how many the first screen loaded, and their bytes).
//
//   node bench/phone.mjs http://127.0.0.1:3000 [session-cookie]
//
// Without a session cookie it registers a member of its own (for /vote). The round page measured is
// the newest round's; a server without rounds leaves it out. Prints one JSON object per line (page,
// visit, content_ms, hydrated_ms, bytes), then a table.
import { chromium } from "@playwright/test";

const [base, givenCookie] = process.argv.slice(2);
if (!base) {
  console.error("usage: node bench/phone.mjs BASE_URL [marquee_session cookie value]");
  process.exit(2);
}

async function registerMember() {
  const name = `phone_${Date.now().toString(36)}`;
  const res = await fetch(`${base}/api/register`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: name, password: "phone bench password" }),
    redirect: "manual",
  });
  return /marquee_session=([0-9a-f]{64})/.exec(res.headers.get("set-cookie") ?? "")?.[1];
}

const cookie = givenCookie ?? (await registerMember());
// The newest round, if the server has one.
const rounds = await fetch(`${base}/api/v1/rounds?limit=1`).then((r) => (r.ok ? r.json() : []), () => []);
const round = rounds?.items?.[0]?.id;

// The top content of each page: its first screen of items (the first flush's end where the page
// marks it).
const pages = [
  { path: "/predictions", selector: "[data-rank]", count: 25, signedIn: false },
  { path: "/vote", selector: "[data-first-flush]", count: 1, signedIn: true },
  { path: "/movies", selector: "[data-imdb]", count: 12, signedIn: false },
  { path: "/movies/tt15398776", selector: "[data-movie]", count: 1, signedIn: false },
  ...(round ? [{ path: `/rounds/${round}`, selector: "h1", count: 1, signedIn: true }] : []),
];

// Runs in the page before its own scripts: notes when the Nth item and the hydration marker appear.
function watch({ selector, count }) {
  const marks = {};
  const check = () => {
    if (marks.content === undefined && document.querySelectorAll(selector).length >= count) {
      marks.content = performance.now();
    }
    if (marks.hydrated === undefined && document.documentElement.dataset.hydrated === "true") {
      marks.hydrated = performance.now();
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  window.__marks = marks;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
});
const results = [];
try {
  for (const target of pages) {
    if (target.signedIn && !cookie) continue;
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 3,
      isMobile: true,
      hasTouch: true,
    });
    if (target.signedIn) {
      const url = new URL(base);
      await context.addCookies([{ name: "marquee_session", value: cookie, domain: url.hostname, path: "/" }]);
    }
    await context.addInitScript(watch, { selector: target.selector, count: target.count });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6e6 / 8) | 0,
      uploadThroughput: (750e3 / 8) | 0,
    });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    let bytes = 0;
    let images = 0;
    let imageBytes = 0;
    const imageRequests = new Set();
    cdp.on("Network.requestWillBeSent", (e) => e.type === "Image" && imageRequests.add(e.requestId));
    cdp.on("Network.loadingFinished", (e) => {
      bytes += e.encodedDataLength;
      if (imageRequests.has(e.requestId)) {
        images += 1;
        imageBytes += e.encodedDataLength;
      }
    });
    for (const visit of ["cold", "repeat"]) {
      bytes = 0;
      images = 0;
      imageBytes = 0;
      await page.goto(base + target.path, { waitUntil: "load", timeout: 180_000 });
      await page.waitForFunction(() => window.__marks?.hydrated !== undefined, null, { timeout: 180_000, polling: 100 });
      // Let late requests (the wasm after load) finish before the bytes are counted.
      await page.waitForLoadState("networkidle", { timeout: 60_000 }).catch(() => {});
      const marks = await page.evaluate(() => window.__marks);
      console.log(
        JSON.stringify({
          page: target.path,
          visit,
          content_ms: Math.round(marks.content ?? -1),
          hydrated_ms: Math.round(marks.hydrated ?? -1),
          bytes,
          images,
          image_bytes: imageBytes,
        }),
      );
      results.push({ page: target.path, visit, content: marks.content ?? -1, hydrated: marks.hydrated ?? -1, bytes, images, imageBytes });
    }
    await context.close();
  }
} finally {
  await browser.close();
}
console.log("\n| page | visit | top content on screen | hydrated | bytes | posters | poster bytes |\n|---|---|---:|---:|---:|---:|---:|");
for (const r of results) {
  const s = (ms) => (ms < 0 ? "n/a" : `${(ms / 1000).toFixed(2)} s`);
  console.log(
    `| ${r.page} | ${r.visit} | ${s(r.content)} | ${s(r.hydrated)} | ${r.bytes.toLocaleString("en")} | ${r.images} | ${r.imageBytes.toLocaleString("en")} |`,
  );
}
