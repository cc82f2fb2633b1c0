import { defineConfig, devices } from "@playwright/test";
import { admin } from "./tests/helpers";

// The app under test: the built server on its own port, over a fresh SQLite file with the demo data.
const port = Number(process.env.MARQUEE_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// scripts/test.sh picks both ports free; port + 99 is only a default for a hand-run suite.
const imdbPort = Number(process.env.MARQUEE_E2E_IMDB_PORT ?? port + 99);
// With a throwaway PostgreSQL (scripts/with-postgres.sh sets its address), two more servers share it
// for the several-instances test (instances.spec.ts); without one, that test is skipped.
const postgres = process.env.MARQUEE_TEST_PG_URL;
const instancePorts = (process.env.MARQUEE_E2E_INSTANCE_PORTS ?? `${port + 1},${port + 2}`).split(",").map(Number);

/** `marquee serve` on PostgreSQL at `at`; the first one loads the demo data. */
function instance(at: number, seed: boolean) {
  return {
    cwd: "..",
    command: "exec ./target/e2e/marquee serve",
    env: {
      DATABASE_URL: postgres!,
      MARQUEE_SITE_ADDR: `127.0.0.1:${at}`,
      LEPTOS_SITE_ROOT: "target/e2e/site",
      MARQUEE_SEED_DEMO: String(seed),
      MARQUEE_IMDB_BASE_URL: `http://127.0.0.1:${imdbPort}`,
      RUST_LOG: "warn",
    },
    url: `http://127.0.0.1:${at}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
  };
}


const chromium = {
  // Debian's Chromium: nothing is downloaded. The flags keep it off the (closed) network.
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: { baseURL, trace: "off" },
  projects: [
    {
      name: "javascript",
      use: { ...devices["Desktop Chrome"], launchOptions: chromium, javaScriptEnabled: true },
      testIgnore: /delivery\.spec\.ts/,
    },
    {
      name: "phone",
      use: { ...devices["Pixel 7"], launchOptions: chromium, javaScriptEnabled: true },
      testMatch: /layout\.spec\.ts/,
    },
    {
      name: "no-javascript",
      use: { ...devices["Desktop Chrome"], launchOptions: chromium, javaScriptEnabled: false },
      testIgnore: /delivery\.spec\.ts/,
    },
    {
      // Bytes on the wire per page, last: by then the movie-night test has left a round to measure.
      name: "delivery",
      use: { ...devices["Desktop Chrome"], launchOptions: chromium, javaScriptEnabled: true },
      testMatch: /delivery\.spec\.ts/,
      dependencies: ["javascript", "no-javascript"],
    },
  ],
  webServer: [
    {
      command: "node fake-imdb.mjs",
      env: { FAKE_IMDB_PORT: String(imdbPort) },
      url: `http://127.0.0.1:${imdbPort}/healthz`,
      reuseExistingServer: false,
      timeout: 10_000,
    },
    {
      cwd: "..",
      command:
        `rm -rf target/e2e-data && ./target/e2e/marquee admin create --username ${admin.username} && ` +
        `exec ./target/e2e/marquee serve`,
      env: {
        DATABASE_URL: "sqlite://target/e2e-data/marquee.db",
        MARQUEE_SITE_ADDR: `127.0.0.1:${port}`,
        // The tests' own build (scripts/test.sh builds it there), never the app scripts/run.sh serves.
        LEPTOS_SITE_ROOT: "target/e2e/site",
        MARQUEE_ADMIN_PASSWORD: admin.password,
        MARQUEE_IMDB_BASE_URL: `http://127.0.0.1:${imdbPort}`,
        MARQUEE_IMDB_REFRESH_INTERVAL_SECS: "2",
        RUST_LOG: "warn",
      },
      url: `${baseURL}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    ...(postgres ? [instance(instancePorts[0], true), instance(instancePorts[1], false)] : []),
  ],
});
