import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect, test } from "@playwright/test";

// Bad values do not stop a load: they are set aside with their line and reason, shown on the run
// page and downloadable. Loads into the embedded DuckDB warehouse, the no-server default.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SCREENSHOTS = path.join(REPO, "test-artifacts", "screenshots");

test.use({ baseURL: process.env.E2E_BASE_URL });

// 300 rows at the job's cap of 10 rows per second: the run stays active for at least 30 s on any
// machine, so the page opens it while it is going, sees its first stream drop and reconnect, and
// gets the end (and its toast) over the second connection.
const CAP = "10";

function paymentsCsv(): Buffer {
  const lines = ["payment_id,quantity"];
  for (let i = 1; i <= 300; i += 1) {
    // Every 50th quantity is not a number (nor a null marker such as n/a); the mapping asks for integers.
    lines.push(`${i},${i % 50 === 0 ? "7 boxes" : String(i % 7)}`);
  }
  return Buffer.from(`${lines.join("\n")}\n`);
}

test("rows that cannot be converted are rejected, listed on the run and downloadable as CSV; the live view survives a dropped stream", async ({ page }) => {
  await page.goto("/upload");
  await page.getByTestId("upload-input").setInputFiles({ name: "payments.csv", mimeType: "text/csv", buffer: paymentsCsv() });
  await expect(page.getByTestId("file-overview")).toBeVisible({ timeout: 60_000 });
  await page.getByTestId("create-job-link").click();

  await expect(page.getByTestId("wizard-step-destination")).toBeVisible();
  await expect(page.getByTestId("credential-select")).toContainText("DuckDB");
  await expect(page.getByTestId("schema-select")).toContainText("main");
  await page.getByTestId("wizard-next").click();

  await expect(page.getByTestId("wizard-step-mapping")).toBeVisible();
  await page.getByTestId("mapping-type-quantity").click();
  await page.getByRole("option", { name: "INTEGER", exact: true }).click();
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-step-load")).toBeVisible();
  // Without a threshold any rejected row fails the run; allow up to 10.
  await page.getByTestId("reject-mode-count").click();
  await page.getByTestId("reject-threshold-input").fill("10");
  await page.getByTestId("max-rows-per-second-input").fill(CAP);
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-step-review")).toBeVisible();

  // The first stream connection drops: the page says so and the browser reconnects by itself.
  let streamRequests = 0;
  await page.route("**/api/v1/job-runs/*/stream", async (route) => {
    streamRequests += 1;
    if (streamRequests === 1) await route.abort("connectionreset");
    else await route.continue();
  });
  await page.getByTestId("create-and-execute-button").click();

  await expect(page).toHaveURL(/\/runs\/\d+$/);
  // Shown from the dropped connection until the browser's retry (about 3 s) gets through.
  await expect(page.getByText("Reconnecting…")).toBeVisible();
  await expect(page.getByText("Live", { exact: true })).toBeVisible();
  await expect(page.locator("[data-status]").first()).toHaveAttribute("data-status", /^(PENDING|RUNNING)$/);
  await expect(page.locator('[data-status="COMPLETED_WITH_REJECTS"]').first()).toBeVisible({ timeout: 180_000 });
  await expect(page.getByText(/completed with rejects$/)).toBeVisible(); // the toast, from the second connection
  expect(streamRequests).toBeGreaterThanOrEqual(2);
  await expect(page.getByText("Rows rejected", { exact: true }).locator("xpath=..")).toContainText("6");
  await expect(page.getByText("Rows loaded", { exact: true }).locator("xpath=..")).toContainText("294");

  await page.getByRole("tab", { name: "Rejected rows (6)" }).click();
  await expect(page.getByText(/^6 rejected rows; showing 1–6$/)).toBeVisible();
  const firstReject = page.getByRole("row").filter({ hasText: "7 boxes" }).first();
  await expect(firstReject).toContainText("51"); // line 51 of the file: payment 50 after the header
  await expect(firstReject).toContainText("quantity");
  await page.screenshot({ path: path.join(SCREENSHOTS, "run-rejected-rows.png"), fullPage: true });

  const download = page.getByRole("link", { name: "Download CSV" });
  const response = await page.request.get(String(await download.getAttribute("href")));
  expect(response.ok()).toBe(true);
  expect(response.headers()["content-type"]).toContain("text/csv");
  const csv = await response.text();
  expect(csv.trim().split("\n")).toHaveLength(7); // header + 6 rows
  expect(csv).toContain("7 boxes");

  // What the run loaded, read back from the warehouse: payment 1 (quantity 1 % 7) comes first.
  await page.getByRole("tab", { name: "Loaded data" }).click();
  await expect(page.getByText(/294 rows; showing 1–50$/)).toBeVisible();
  const loaded = page.getByRole("table", { name: /^Rows of main\./ });
  await expect(loaded.getByRole("columnheader").first()).toContainText("payment_id");
  await expect(loaded.getByRole("row").nth(1).getByRole("cell")).toHaveText(["1", "1"]);
  await page.screenshot({ path: path.join(SCREENSHOTS, "run-loaded-data.png"), fullPage: true });
});
