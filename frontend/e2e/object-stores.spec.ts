import { expect, test } from "@playwright/test";

// An S3 destination against the real stack: the stack serves an S3 API (moto's server, started by
// e2e/stack.py with one bucket; no AWS account is involved). The connection is made in the form and
// tested, a CSV goes to Parquet through the wizard's Files section, and the run page lists the
// files the run published (and offers no database browser for S3).
test.use({ baseURL: process.env.E2E_BASE_URL });

const ENDPOINT = process.env.E2E_S3_ENDPOINT ?? "";
const BUCKET = process.env.E2E_S3_BUCKET ?? "etl-ui-lake";
const CONNECTION = `Lake ${Date.now()}`;
const SCHEMA = `exports_${Date.now()}`;

function salesCsv(): Buffer {
  const lines = ["id,amount,sold_on"];
  for (let i = 1; i <= 90; i += 1) lines.push(`${i},${i}.50,2026-11-${String(28 + (i % 3)).padStart(2, "0")}`);
  return Buffer.from(`${lines.join("\n")}\n`);
}

test("an S3 connection is created and tested, a CSV job writes Parquet and its run lists the files", async ({ page }) => {
  expect(ENDPOINT, "the stack reports its S3 endpoint").not.toBe("");
  await page.goto("/credentials");
  await page.getByRole("button", { name: "New connection" }).click();
  const dialog = page.getByRole("dialog", { name: "New connection" });
  await dialog.getByLabel("Name").fill(CONNECTION);
  await dialog.getByRole("combobox", { name: "Kind" }).click();
  await page.getByRole("option", { name: "Amazon S3 / S3-compatible" }).click();
  await dialog.getByLabel("Bucket").fill(BUCKET);
  await dialog.getByLabel("Endpoint URL").fill(ENDPOINT);
  await dialog.getByLabel("Path-style addressing").click();
  await dialog.getByLabel("Access key ID").fill("ui-key");
  await dialog.getByLabel("Secret access key").fill("ui-secret");
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByText("Connected")).toBeVisible();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row", { name: new RegExp(CONNECTION) });
  await expect(row).toContainText(`s3://${BUCKET}`);
  await expect(row.getByRole("link", { name: /Browse/ })).toHaveCount(0);

  await page.goto("/upload");
  await page.getByTestId("upload-input").setInputFiles({ name: "lake_sales.csv", mimeType: "text/csv", buffer: salesCsv() });
  await expect(page.getByTestId("file-overview")).toContainText("lake_sales.csv", { timeout: 60_000 });
  await page.getByTestId("create-job-link").click();
  await page.getByTestId("credential-select").click();
  await page.getByRole("option", { name: new RegExp(CONNECTION) }).click();
  // A new bucket has no tables yet: the schema is a new folder name.
  await page.getByTestId("schema-select").click();
  await page.getByTestId("new-schema-option").click();
  await page.getByTestId("new-schema-input").fill(SCHEMA);
  const files = page.getByTestId("s3-options");
  await expect(files.getByTestId("s3-format")).toContainText("Parquet");
  await expect(files.getByLabel("Folder")).toHaveValue("{{schema}}/{{table}}/");
  await files.getByRole("button", { name: "Add a partition" }).click();
  await files.getByLabel("Partition column 1").fill("sold_on");
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-step-mapping")).toBeVisible();
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-step-load")).toBeVisible();
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-step-review")).toBeVisible();
  await page.getByTestId("create-and-execute-button").click();

  await expect(page).toHaveURL(/\/runs\/\d+$/);
  await expect(page.locator('[data-status="COMPLETED"]').first()).toBeVisible({ timeout: 180_000 });
  const outputs = page.getByTestId("run-outputs");
  await expect(outputs).toContainText("3 files published by this run.");
  for (const day of ["2026-11-28", "2026-11-29", "2026-11-30"]) {
    await expect(outputs.getByText(new RegExp(`^${SCHEMA}/lake_sales/sold_on=${day}/part-.+\\.parquet$`))).toBeVisible();
  }
  await expect(page.getByRole("link", { name: "Browse the destination" })).toHaveCount(0);
});
