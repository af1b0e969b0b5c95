import path from "node:path";
import { fileURLToPath } from "node:url";

import { defineConfig } from "@playwright/test";

// Written by global-setup.ts once the stack is up: the first admin's session.
const ADMIN_STORAGE_STATE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "test-artifacts", "ui-auth", "admin.json");
const csrf = process.env.E2E_CSRF_TOKEN;

// Browser tests against the real stack (e2e/stack.py: backend + embedded Airflow + PostgreSQL),
// in Debian's Chromium: Playwright never downloads a browser here.
export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  globalSetup: "./e2e/global-setup.ts",
  // One stack, one story: the steps build on each other's data.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 300_000,
  expect: { timeout: 20_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    browserName: "chromium",
    // Every test starts signed in as the first admin (specs about other roles open their own
    // contexts); API requests from tests (the `request` fixture) carry the session's CSRF token,
    // as the SPA does on its writes. Workers load this file after global setup has set it.
    storageState: ADMIN_STORAGE_STATE,
    extraHTTPHeaders: csrf ? { "X-CSRF-Token": csrf } : undefined,
    viewport: { width: 1280, height: 800 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
