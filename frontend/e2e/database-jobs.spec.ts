import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect, test, type Page } from "@playwright/test";

// A PostgreSQL database as a source, against the real stack: connected on the connections page,
// browsed, queried, then three of its tables loaded into the built-in warehouse by one job made in
// the wizard, each table followed on the run page to COMPLETED with its counts.
test.use({ baseURL: process.env.E2E_BASE_URL });
test.describe.configure({ mode: "serial" });

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PYTHON = process.env.E2E_PYTHON ?? path.join(REPO, ".venv", "bin", "python");
const SOURCE_DATABASE = process.env.E2E_SOURCE_DATABASE ?? "etl_test_ui_source";
const CONNECTION = `Shop source ${Date.now()}`;
// Other spec files load into the same warehouse: this job's tables have their own prefix.
const PREFIX = `shop${Date.now() % 1_000_000}_`;

// The source, made afresh through the machine's PostgreSQL (as the stack makes its own databases).
const PREPARE = `
import sys
import psycopg
from psycopg import sql
name = sys.argv[1]
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as conn:
    conn.execute("CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, joined date)")
    conn.execute("INSERT INTO customers SELECT i, 'Customer ' || i, DATE '2026-01-01' + i FROM generate_series(1, 40) i")
    conn.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id integer, amount numeric(12, 2), ordered_at timestamptz)")
    conn.execute("INSERT INTO orders SELECT i, 1 + i % 40, i * 1.25, TIMESTAMPTZ '2026-11-01 00:00:00+00' + i * INTERVAL '1 hour' FROM generate_series(1, 250) i")
    conn.execute("CREATE TABLE notes (body text, tags text)")
    conn.execute("INSERT INTO notes VALUES ('first', 'a,b'), ('second', NULL), ('third, with a comma', 'c')")
`;

/** Opens a schema of the browser's tree (a lone schema comes open already). */
async function openSchema(page: Page, schema: string) {
  const node = page.getByRole("button", { name: schema, exact: true });
  await expect(node).toBeVisible();
  if ((await node.getAttribute("aria-expanded")) !== "true") await node.click();
}

/** Runs statements on the source database, as a DBA would between runs. */
function onSource(statements: string) {
  const script = "import sys, psycopg\nwith psycopg.connect(sys.argv[1], autocommit=True) as conn:\n    conn.execute(sys.argv[2])";
  execFileSync(PYTHON, ["-c", script, `postgresql://postgres@127.0.0.1:5432/${SOURCE_DATABASE}`, statements], { stdio: "pipe" });
}

test.beforeAll(() => {
  execFileSync(PYTHON, ["-c", PREPARE, SOURCE_DATABASE], { cwd: REPO, stdio: "pipe" });
});

test("a PostgreSQL source is connected, browsed and queried read-only", async ({ page }) => {
  await page.goto("/credentials");
  await page.getByRole("button", { name: "New connection" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New connection" });
  await dialog.getByLabel("Name").fill(CONNECTION);
  await dialog.getByLabel("Host").fill("127.0.0.1");
  await dialog.getByLabel("Database").fill(SOURCE_DATABASE);
  await dialog.getByLabel("User").fill("postgres");
  await dialog.getByLabel("SSL").click();
  await page.getByRole("option", { name: "disable" }).click();
  await dialog.getByLabel("Used as").click();
  await page.getByRole("option", { name: /^A source/ }).click();
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByText("Connected", { exact: true })).toBeVisible();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog).toBeHidden();

  await page.getByRole("link", { name: `Browse ${CONNECTION}` }).click();
  await expect(page).toHaveURL(/\/connections\/\d+\/browse$/);
  await openSchema(page, "public");
  const tables = page.getByRole("list", { name: "Tables in public" });
  await tables.getByRole("button", { name: /^customers/ }).click();
  const columns = page.getByRole("table", { name: "Columns of public.customers" });
  await expect(columns.getByRole("row", { name: /joined/ })).toBeVisible();
  await expect(page.getByRole("table", { name: "Rows of public.customers" })).toContainText("Customer 1");

  await page.getByRole("tab", { name: "Query" }).click();
  await page.getByLabel("SQL").fill("SELECT count(*) AS n, sum(amount) AS total FROM public.orders");
  await page.getByRole("button", { name: "Run" }).click();
  const result = page.getByRole("table", { name: "Query result" });
  await expect(result).toContainText("250");
  await expect(result).toContainText("39218.75");
  await page.getByLabel("SQL").fill("DROP TABLE public.notes");
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Query refused" })).toBeVisible();
});

test("three tables are loaded by one job made in the wizard, each followed to COMPLETED", async ({ page }) => {
  await page.goto("/credentials");
  await page.getByRole("link", { name: `Browse ${CONNECTION}` }).click();
  await openSchema(page, "public");
  await page.getByRole("list", { name: "Tables in public" }).getByRole("button", { name: /^customers/ }).click();
  await page.getByTestId("table-new-job-link").click();

  // Source: the browsed table comes chosen; the two others are added from the tree.
  await expect(page.getByTestId("wizard-step-source")).toBeVisible();
  await expect(page.getByTestId("source-credential-select")).toContainText(CONNECTION);
  await page.getByTestId("job-name-input").fill(`Shop tables ${PREFIX}`);
  await expect(page.getByTestId("source-table-public.customers")).toBeChecked();
  await page.getByTestId("source-table-public.orders").click();
  await page.getByTestId("source-table-public.notes").click();
  await page.getByTestId("wizard-next").click();

  // Destination: the built-in warehouse and its main schema; the prefix names the targets.
  await expect(page.getByTestId("wizard-step-database-destination")).toBeVisible();
  await expect(page.getByTestId("credential-select")).toContainText(/duckdb/i);
  await expect(page.getByTestId("target-schema-input")).toHaveValue("main");
  await page.getByTestId("target-prefix-input").fill(PREFIX);
  await page.getByTestId("wizard-next").click();

  // Tables: proposed by the server — keyed tables upsert on their primary key, the other appends.
  await expect(page.getByTestId("wizard-step-tables")).toBeVisible();
  const customers = page.getByTestId("table-public.customers");
  await expect(customers.getByTestId("table-public.customers-target")).toHaveValue(`${PREFIX}customers`);
  await expect(customers.getByTestId("table-public.customers-strategy")).toContainText("Upsert");
  await expect(customers.getByTestId("table-public.customers-key-id")).toBeChecked();
  await expect(page.getByTestId("table-public.notes-strategy")).toContainText("Insert");
  await page.getByTestId("wizard-next").click();

  // Options: two tables at a time.
  await expect(page.getByTestId("wizard-step-options")).toBeVisible();
  await page.getByTestId("max-parallel-tables-input").fill("2");
  await page.getByTestId("wizard-next").click();

  await expect(page.getByTestId("wizard-step-review")).toBeVisible();
  await expect(page.getByTestId("load-summary")).toContainText("3 tables will be read and loaded into schema main, at most 2 at a time");
  await expect(page.getByTestId("review-tables").getByRole("row")).toHaveCount(4);
  await page.getByTestId("create-and-execute-button").click();

  // The run page: one row per table, each reaching COMPLETED with what it loaded.
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  const runTables = page.getByTestId("run-tables");
  await expect(runTables).toBeVisible();
  for (const [table, rows] of [
    ["public.customers", "40"],
    ["public.orders", "250"],
    ["public.notes", "3"],
  ] as const) {
    const row = runTables.getByTestId(`run-table-${table}`);
    await expect(row).toHaveAttribute("data-status", "COMPLETED", { timeout: 240_000 });
    await expect(row.getByTestId("run-table-loaded")).toHaveText(rows);
    await expect(row).toContainText(`main.${PREFIX}${table.split(".")[1]}`);
  }
  await expect(runTables).toContainText("3 of 3 done");
  await expect(page.locator('[data-status="COMPLETED"]').first()).toBeVisible();
  await expect(page.getByText("Rows loaded", { exact: true }).locator("..")).toContainText("293");

  // The job page says what it reads.
  await page.getByRole("link", { name: `Shop tables ${PREFIX}` }).click();
  await expect(page.getByTestId("job-source")).toContainText(`3 tables on ${CONNECTION}`);
  await expect(page.getByTestId("job-tables")).toContainText(`main.${PREFIX}orders`);
});

test("a table whose source is gone fails alone, and once it is back a retry loads only it", async ({ page }) => {
  await page.goto("/jobs");
  await page.getByRole("link", { name: `Shop tables ${PREFIX}` }).click();
  await page.getByRole("list", { name: "Recent runs" }).getByRole("link").first().click();
  await expect(page.getByTestId("run-tables")).toContainText("3 of 3 done");

  onSource("ALTER TABLE notes RENAME TO notes_away");
  await page.getByTestId("rerun-button").click();
  const notes = page.getByTestId("run-table-public.notes");
  await expect(notes).toHaveAttribute("data-status", "FAILED", { timeout: 240_000 });
  await expect(page.getByTestId("run-table-public.customers")).toHaveAttribute("data-status", "COMPLETED", { timeout: 240_000 });
  await expect(page.getByTestId("run-table-public.orders")).toHaveAttribute("data-status", "COMPLETED", { timeout: 240_000 });
  await expect(notes.getByTestId("run-table-error")).toBeVisible();
  const failedRun = page.url();

  onSource("ALTER TABLE notes_away RENAME TO notes");
  await page.getByTestId("retry-failed-tables-button").click();
  await expect(page).not.toHaveURL(failedRun);
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  const retried = page.getByTestId("run-tables");
  await expect(retried.getByTestId("run-table-public.notes")).toHaveAttribute("data-status", "COMPLETED", { timeout: 240_000 });
  await expect(retried.getByTestId("run-table-public.notes").getByTestId("run-table-loaded")).toHaveText("3");
  await expect(retried.getByRole("row")).toHaveCount(2);
});
