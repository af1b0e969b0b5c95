import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect, test, type Page } from "@playwright/test";

// The whole journey of issue 5 against the real stack (see global-setup.ts): a CSV goes from upload
// to a PostgreSQL table through Airflow, watched live, then gets a schedule.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SCREENSHOTS = path.join(REPO, "test-artifacts", "screenshots");
// The job's own rate cap keeps the load RUNNING for at least ROWS / CAP = 30 s on any machine (the
// engine waits between batches; it never goes faster), so the run page sees it part way, and a
// second Execute meets it still running, however fast the machine is.
const ROWS = 30_000;
const ROWS_TEXT = "30,000";
const BATCH = "1000";
const CAP = "1000";
const DESTINATION = "UI test warehouse";

test.use({ baseURL: process.env.E2E_BASE_URL });

mkdirSync(SCREENSHOTS, { recursive: true });

async function screenshot(page: Page, name: string) {
  // Let toasts and transitions settle so the picture shows what a person sees.
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

function ordersCsv(rows: number): Buffer {
  const lines = ["order_id,customer,amount,ordered_on"];
  const customers = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov"];
  for (let i = 1; i <= rows; i += 1) {
    const day = String((i % 28) + 1).padStart(2, "0");
    lines.push(`${i},${customers[i % customers.length]},${(i % 1000) + 0.25},2026-10-${day}`);
  }
  return Buffer.from(`${lines.join("\n")}\n`);
}

test.describe.configure({ mode: "serial" });

// Other spec files share the stack and may run first: the steps find this file's own run by its id,
// never by being run #1.
let loadRunId = "";

test("a destination connection is created and tested on the credentials page", async ({ page }) => {
  await page.goto("/credentials");
  await expect(page.getByRole("heading", { name: "Credentials" })).toBeVisible();
  await page.getByRole("button", { name: "New connection" }).first().click();

  const dialog = page.getByRole("dialog", { name: "New connection" });
  await dialog.getByLabel("Name").fill(DESTINATION);
  await dialog.getByLabel("Host").fill("127.0.0.1");
  await dialog.getByLabel("Database").fill(process.env.E2E_DEST_DATABASE ?? "etl_test_ui_dest");
  await dialog.getByLabel("User").fill("postgres");
  await dialog.getByLabel("SSL").click();
  await page.getByRole("option", { name: "disable" }).click();
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByText("Connected", { exact: true })).toBeVisible();
  await screenshot(page, "credentials-form");

  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row", { name: new RegExp(DESTINATION) });
  await expect(row).toContainText("127.0.0.1:5432/etl_test_ui_dest");
  await screenshot(page, "credentials");
});

test("a CSV is uploaded, previewed, turned into a job and loaded live to COMPLETED", async ({ page }) => {
  await page.goto("/upload");
  await page.getByTestId("upload-input").setInputFiles({ name: "orders.csv", mimeType: "text/csv", buffer: ordersCsv(ROWS) });
  await expect(page.getByTestId("file-overview")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("file-overview")).toContainText("orders.csv");
  await screenshot(page, "upload");

  await page.getByTestId("preview-link").click();
  await expect(page.getByTestId("preview-table")).toBeVisible();
  await expect(page.getByTestId("preview-table")).toContainText("Ada Lovelace");
  await screenshot(page, "preview");

  await page.getByTestId("create-job-link").click();
  await expect(page.getByTestId("wizard-step-destination")).toBeVisible();
  await page.getByTestId("credential-select").click();
  await page.getByRole("option", { name: new RegExp(DESTINATION) }).click();
  await expect(page.getByTestId("schema-select")).toContainText("public");
  await page.getByTestId("table-name-input").fill("orders");
  await screenshot(page, "wizard-destination");
  await page.getByTestId("wizard-next").click();

  await expect(page.getByTestId("wizard-step-mapping")).toBeVisible();
  await screenshot(page, "wizard-mapping");
  await page.getByTestId("wizard-next").click();

  await expect(page.getByTestId("wizard-step-load")).toBeVisible();
  await page.getByTestId("batch-size-input").fill(BATCH);
  await page.getByTestId("max-rows-per-second-input").fill(CAP);
  await page.getByTestId("wizard-next").click();

  await expect(page.getByTestId("wizard-step-review")).toBeVisible();
  await expect(page.getByTestId("ddl-preview")).toContainText("CREATE TABLE");
  await expect(page.getByText("The load reads at most 1,000 rows per second")).toBeVisible();
  await screenshot(page, "wizard-review");
  await page.getByTestId("create-and-execute-button").click();

  // The run page follows the load over SSE until it ends.
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  await expect(page.getByRole("heading", { name: /^Run #\d+$/ })).toBeVisible();
  // Caught mid-load: the page shows a running load part way, pushed over the stream.
  const progress = page.getByRole("progressbar", { name: "Load progress" });
  const status = page.locator("[data-status]").first();
  // While it runs the page counts rows staged; "Rows loaded" appears once they are committed.
  const staged = page.getByText("Rows staged", { exact: true }).locator("xpath=../dd");
  await expect
    .poll(
      async () => {
        const rows = Number((await staged.textContent())?.replace(/\D/g, ""));
        return (await status.getAttribute("data-status")) === "RUNNING" && rows > 0 && rows < ROWS;
      },
      { timeout: 120_000, intervals: [100] },
    )
    .toBe(true);
  await screenshot(page, "run-progress-live");

  // Execute again while it runs: the job allows one run at a time, so the page shows this run
  // instead of starting a second one (the cap keeps the run going for tens of seconds more).
  const runUrl = page.url();
  const runId = runUrl.split("/").at(-1)!;
  loadRunId = runId;
  const other = await page.context().newPage();
  await other.goto("/jobs");
  await other.getByRole("button", { name: "Execute Load orders.csv" }).click();
  const busy = other.getByRole("alertdialog", { name: "Load orders.csv is already running" });
  await expect(busy).toContainText(`Run #${runId} is running`);
  await screenshot(other, "execute-while-running");
  await busy.getByRole("link", { name: `Open run #${runId}` }).click();
  await expect(other).toHaveURL(runUrl);
  await other.close();

  await expect(page.locator('[data-status="COMPLETED"]').first()).toBeVisible({ timeout: 180_000 });
  await expect(page.getByText(/completed$/).first()).toBeVisible(); // the toast
  await expect(page.getByText("Rows loaded", { exact: true }).locator("xpath=..")).toContainText(ROWS_TEXT);
  await expect(progress).toHaveAttribute("aria-valuenow", "100");
  await expect(page.getByRole("list", { name: "Run logs" })).toBeVisible();
  await screenshot(page, "run-completed");
});

test("the finished run is in the history, with its logs", async ({ page }) => {
  await page.goto("/runs");
  expect(loadRunId).not.toBe("");
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: `#${loadRunId}`, exact: true }) });
  await expect(row).toContainText("Completed");
  await expect(row).toContainText(ROWS_TEXT);
  await screenshot(page, "runs");

  await row.getByRole("button", { name: `Logs of run #${loadRunId}` }).click();
  const logs = page.getByRole("dialog", { name: `Logs of run #${loadRunId}` });
  await expect(logs.getByRole("list", { name: "Run logs" })).toBeVisible();
  await screenshot(page, "run-logs");
  await page.keyboard.press("Escape");
  await expect(logs).toBeHidden();

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(row).toContainText("Completed");
  await screenshot(page, "runs-narrow");
});

test("the job gets a schedule from its page, which is then disabled", async ({ page }) => {
  await page.goto("/jobs");
  await page.getByRole("link", { name: "Load orders.csv" }).click();
  await expect(page.getByRole("heading", { name: "Load orders.csv" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Recent runs" })).toContainText("Completed");
  await screenshot(page, "job-detail");

  await page.getByRole("link", { name: "Add schedule" }).click();
  const dialog = page.getByRole("dialog", { name: "New schedule" });
  await expect(dialog.getByRole("combobox", { name: "Job" })).toContainText("Load orders.csv");
  await dialog.getByRole("combobox", { name: "When" }).click();
  await page.getByRole("option", { name: /Every Monday at 9:00/ }).click();
  await dialog.getByRole("button", { name: "Create schedule" }).click();
  await expect(dialog).toBeHidden();

  // The description and the next fire times come from the API.
  const row = page.getByRole("row").filter({ hasText: "0 9 * * 1" });
  await expect(row).toContainText(/Monday/);
  await expect(row.locator("time").first()).toBeVisible();
  const toggle = row.getByRole("switch");
  await expect(toggle).toBeChecked();
  await screenshot(page, "schedules");

  await toggle.click();
  await expect(toggle).not.toBeChecked();
  await expect(row).toContainText("Paused");
  await page.reload();
  await expect(page.getByRole("row").filter({ hasText: "0 9 * * 1" }).getByRole("switch")).not.toBeChecked();
});

test("the dashboard counts the run and charts the rows loaded", async ({ page }) => {
  await page.goto("/");
  const tiles = page.getByRole("list", { name: "Runs by status" });
  // Other spec files' runs count too: at least this file's run completed, and its rows are charted.
  await expect(tiles.getByRole("link", { name: /Completed/ })).toContainText(/[1-9]/);
  await expect(page.getByText(/^[\d,]+ rows loaded in the last/)).toBeVisible();
  await expect(page.getByRole("link", { name: "Airflow UI" })).toHaveAttribute("href", /^http:\/\/127\.0\.0\.1:\d+/);
  await screenshot(page, "dashboard");
});
