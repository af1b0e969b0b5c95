import { expect, test } from "@playwright/test";

// The database browser against the real stack: a small CSV loaded into the built-in DuckDB
// warehouse, then looked at from the run page (tree, columns, typed rows) and queried.
test.use({ baseURL: process.env.E2E_BASE_URL });

// Its own table: other spec files load into the same warehouse.
const TABLE = `browsed_${Date.now()}`;

function pricesCsv(): Buffer {
  const lines = ["sku,price"];
  for (let i = 1; i <= 60; i += 1) lines.push(`SKU-${String(i).padStart(3, "0")},${i}.25`);
  return Buffer.from(`${lines.join("\n")}\n`);
}

test("a loaded table is browsed from its run and queried read-only", async ({ page }) => {
  await page.goto("/upload");
  await page.getByTestId("upload-input").setInputFiles({ name: "prices.csv", mimeType: "text/csv", buffer: pricesCsv() });
  await expect(page.getByTestId("file-overview")).toBeVisible({ timeout: 60_000 });
  await page.getByTestId("create-job-link").click();

  await expect(page.getByTestId("wizard-step-destination")).toBeVisible();
  await expect(page.getByTestId("credential-select")).toContainText("DuckDB");
  await expect(page.getByTestId("schema-select")).toContainText("main");
  await page.getByTestId("table-name-input").fill(TABLE);
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-step-mapping")).toBeVisible();
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-step-load")).toBeVisible();
  await page.getByTestId("wizard-next").click();
  await expect(page.getByTestId("wizard-step-review")).toBeVisible();
  await page.getByTestId("create-and-execute-button").click();

  await expect(page).toHaveURL(/\/runs\/\d+$/);
  await expect(page.locator('[data-status="COMPLETED"]').first()).toBeVisible({ timeout: 180_000 });

  await page.getByRole("link", { name: "Browse the destination" }).click();
  await expect(page).toHaveURL(new RegExp(`/connections/\\d+/browse\\?schema=main&table=${TABLE}$`));
  const tables = page.getByRole("list", { name: "Tables in main" });
  await expect(tables.getByRole("button", { name: new RegExp(`^${TABLE}`) })).toHaveAttribute("aria-current", "true");
  const columns = page.getByRole("table", { name: `Columns of main.${TABLE}` });
  await expect(columns.getByRole("row", { name: /sku/ })).toBeVisible();
  await expect(columns.getByRole("row", { name: /price/ })).toBeVisible();
  const rows = page.getByRole("table", { name: `Rows of main.${TABLE}` });
  await expect(rows).toContainText("SKU-001");
  await expect(page.getByText(/^Rows 1–50, more follow/)).toBeVisible();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(rows).toContainText("SKU-060");

  await page.getByRole("tab", { name: "Query" }).click();
  const sql = page.getByLabel("SQL");
  await sql.fill(`SELECT count(*) AS n, max(sku) AS last_sku FROM main.${TABLE}`);
  await page.getByRole("button", { name: "Run" }).click();
  const result = page.getByRole("table", { name: "Query result" });
  await expect(result).toContainText("60");
  await expect(result).toContainText("SKU-060");

  await sql.fill(`DELETE FROM main.${TABLE}`);
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Query refused" })).toBeVisible();

  // Nothing was deleted.
  await page.getByRole("tab", { name: "Table" }).click();
  await expect(page.getByRole("table", { name: `Rows of main.${TABLE}` })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("table", { name: `Rows of main.${TABLE}` })).toContainText("SKU-001");
});
