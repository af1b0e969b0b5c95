import { expect, test, type Page } from "@playwright/test";

// A job's life after it is created, against the real stack (see global-setup.ts): edited in the
// wizard, run, run again from the run's page, its file replaced by a newer export (and refused one
// that does not fit), then cloned. It makes its own destination and data, so it needs no other
// spec's. Every wait is for a terminal status, never for a state caught mid-load.
// Named to run after the other spec files on the shared stack: portal.spec.ts finds its run as #1
// and counts every run on the dashboard.
const DESTINATION = "Lifecycle destination";
const JOB = "Lifecycle sales";
const EDITED = "Lifecycle sales (edited)";
const TABLE = "lifecycle_sales";

test.use({ baseURL: process.env.E2E_BASE_URL });
test.describe.configure({ mode: "serial" });

function salesCsv(rows: number, header = "sale_id,customer,amount,note"): Buffer {
  const lines = [header];
  for (let i = 1; i <= rows; i += 1) lines.push(`${i},customer ${i % 7},${(i % 100) + 0.5},n${i}`);
  return Buffer.from(`${lines.join("\n")}\n`);
}

/** Waits for the run page's run to end and says how many rows it loaded. */
async function finishedRun(page: Page): Promise<{ id: string; loaded: string }> {
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  const id = page.url().split("/").pop()!;
  await expect(page.getByRole("heading", { name: `Run #${id}` })).toBeVisible();
  await expect(page.locator('[data-status="COMPLETED"]').first()).toBeVisible({ timeout: 180_000 });
  const loaded = await page.getByText("Rows loaded", { exact: true }).locator("xpath=../dd").textContent();
  return { id, loaded: loaded ?? "" };
}

async function openJob(page: Page, name: string) {
  await page.goto("/jobs");
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { name, exact: true })).toBeVisible();
}

test("a job is created from an upload, then edited in the wizard on its saved values", async ({ page, request }) => {
  const created = await request.post("/api/v1/credentials", {
    data: {
      name: DESTINATION,
      kind: "postgres",
      host: "127.0.0.1",
      port: 5432,
      database: process.env.E2E_DEST_DATABASE ?? "etl_test_ui_dest",
      username: "postgres",
      options: { sslmode: "disable" },
    },
  });
  expect(created.status()).toBe(201);

  await page.goto("/upload");
  await page.getByTestId("upload-input").setInputFiles({ name: "lifecycle.csv", mimeType: "text/csv", buffer: salesCsv(200) });
  await expect(page.getByTestId("file-overview")).toContainText("lifecycle.csv", { timeout: 60_000 });
  await page.getByTestId("create-job-link").click();

  await page.getByTestId("credential-select").click();
  await page.getByRole("option", { name: new RegExp(DESTINATION) }).click();
  await expect(page.getByTestId("schema-select")).toContainText("public");
  await page.getByTestId("job-name-input").fill(JOB);
  await page.getByTestId("table-name-input").fill(TABLE);
  for (const step of ["mapping", "load", "review"]) {
    await page.getByTestId("wizard-next").click();
    await expect(page.getByTestId(`wizard-step-${step}`)).toBeVisible();
  }
  await page.getByTestId("create-job-button").click();
  await expect(page.getByRole("heading", { name: JOB, exact: true })).toBeVisible();
  const jobUrl = page.url();

  await page.getByTestId("edit-job-button").click();
  await expect(page).toHaveURL(/\/jobs\/\d+\/edit$/);
  await expect(page.getByTestId("job-name-input")).toHaveValue(JOB);
  await expect(page.getByTestId("table-name-input")).toHaveValue(TABLE);
  await page.getByTestId("job-name-input").fill(EDITED);
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-step-mapping")).toBeVisible();
  await page.getByTestId("mapping-include-note").click();
  await page.getByTestId("mapping-target-customer").fill("customer_name");
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-step-load")).toBeVisible();
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("ddl-preview")).toContainText('"customer_name"');
  await expect(page.getByTestId("ddl-preview")).not.toContainText('"note"');
  await page.getByTestId("save-job-button").click();

  // The same job (PUT), under its new name and mapping.
  await expect(page).toHaveURL(jobUrl);
  await expect(page.getByRole("heading", { name: EDITED, exact: true })).toBeVisible();
  const mappings = page.getByRole("table").filter({ hasText: "Target column" });
  await expect(mappings.getByRole("row").filter({ hasText: "note" })).toContainText("(excluded)");
  await expect(mappings.getByRole("row").filter({ hasText: "customer_name" })).toBeVisible();
});

test("a run is started again from its own page once it has ended", async ({ page }) => {
  await openJob(page, EDITED);
  await page.getByRole("button", { name: `Execute ${EDITED}` }).click();
  const first = await finishedRun(page);
  expect(first.loaded).toBe("200");
  // Run again is offered on a finished run only.
  await expect(page.getByRole("button", { name: "Cancel run" })).toHaveCount(0);

  await page.getByTestId("rerun-button").click();
  await expect(page).not.toHaveURL(new RegExp(`/runs/${first.id}$`));
  const second = await finishedRun(page);
  expect(second.loaded).toBe("200");
  await expect(page.getByRole("link", { name: EDITED })).toBeVisible();
});

test("the job's file is replaced by a newer export, and one that does not fit is refused", async ({ page }) => {
  await openJob(page, EDITED);

  // A file without the mapped "amount" column: the server lists the problem, the job keeps its file.
  await page.getByTestId("replace-file-button").click();
  let dialog = page.getByRole("dialog", { name: `Replace the file of ${EDITED}` });
  await dialog.getByTestId("replacement-file-input").setInputFiles({
    name: "lifecycle-broken.csv",
    mimeType: "text/csv",
    buffer: salesCsv(10, "sale_id,customer,total,note"),
  });
  await dialog.getByTestId("replace-file-submit").click();
  await expect(dialog.getByText("The new file does not fit the job's mapping")).toBeVisible({ timeout: 60_000 });
  await expect(dialog).toContainText("amount");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();

  // The newer export of the same shape: the job loads it, with the mapping it had.
  await page.getByTestId("replace-file-button").click();
  dialog = page.getByRole("dialog", { name: `Replace the file of ${EDITED}` });
  await dialog.getByTestId("replacement-file-input").setInputFiles({
    name: "lifecycle-december.csv",
    mimeType: "text/csv",
    buffer: salesCsv(300),
  });
  await dialog.getByTestId("replace-file-submit").click();
  await expect(page.getByText(`${EDITED} now loads lifecycle-december.csv`)).toBeVisible({ timeout: 60_000 });
  await expect(dialog).toBeHidden();
  const mappings = page.getByRole("table").filter({ hasText: "Target column" });
  await expect(mappings.getByRole("row").filter({ hasText: "note" })).toContainText("(excluded)");

  await page.getByRole("button", { name: `Execute ${EDITED}` }).click();
  expect((await finishedRun(page)).loaded).toBe("300");
});

test("the job is cloned with its settings and mapping under a new name", async ({ page }) => {
  await openJob(page, EDITED);
  const original = page.url();
  await page.getByTestId("clone-job-button").click();

  await expect(page.getByRole("heading", { name: `Copy of ${EDITED}`, exact: true })).toBeVisible();
  expect(page.url()).not.toBe(original);
  await expect(page).toHaveURL(/\/jobs\/\d+$/);
  const mappings = page.getByRole("table").filter({ hasText: "Target column" });
  await expect(mappings.getByRole("row").filter({ hasText: "note" })).toContainText("(excluded)");
  await expect(mappings.getByRole("row").filter({ hasText: "customer_name" })).toBeVisible();
  await expect(page.getByText(`public.${TABLE}`)).toBeVisible();

  // Both jobs are listed.
  await page.goto("/jobs");
  await expect(page.getByRole("link", { name: EDITED, exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: `Copy of ${EDITED}`, exact: true })).toBeVisible();
});

test("at 390 px the run history scrolls sideways, says so, and its row actions are reachable", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/runs");
  const table = page.locator('[data-slot="table-container"]').first();
  await expect(table.getByText(EDITED).first()).toBeVisible();
  expect(await table.evaluate((element) => element.scrollWidth > element.clientWidth)).toBe(true);
  await expect(page.getByTestId("table-scroll-hint").first()).toBeVisible();

  const logs = page.getByRole("button", { name: /^Logs of run #\d+$/ }).first();
  await logs.scrollIntoViewIfNeeded();
  await expect(logs).toBeInViewport();
  await logs.click();
  await expect(page.getByRole("dialog", { name: /^Logs of run #\d+$/ })).toBeVisible();
});
