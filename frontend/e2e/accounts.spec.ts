import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from "@playwright/test";

// Accounts and roles against the real stack (see global-setup.ts, which signs every test in as
// the first admin): the login page, an admin creating a viewer and an operator, what each role
// sees and may do, the audit log that records it, and logout ending a live run's stream.
// People, destination and jobs are this file's own; other spec files never depend on them.
const VIEWER = { email: "e2e-viewer@example.com", name: "Vera Viewer", password: "viewer-pass-1", role: "Viewer" };
const OPERATOR = { email: "e2e-operator@example.com", name: "Otto Operator", password: "operator-pass-1", role: "Operator" };
const ADMIN = { email: "admin@example.com", password: "admin" };
const DESTINATION = "Accounts destination";
const QUICK_JOB = "Accounts quick load";
// 60,000 rows at 500 rows per second: RUNNING for two minutes on any machine (the engine waits
// between batches), far longer than the stream needs to notice a logout.
const SLOW_JOB = "Accounts slow load";
const SLOW_ROWS = 60_000;
const SLOW_CAP = 500;

type Person = { email: string; password: string };

test.use({ baseURL: process.env.E2E_BASE_URL });
test.describe.configure({ mode: "serial" });

const ids = { quickJob: 0, slowJob: 0, quickRun: 0 };

function csv(rows: number): Buffer {
  const lines = ["id,city,amount"];
  for (let i = 1; i <= rows; i += 1) lines.push(`${i},city ${i % 13},${(i % 500) + 0.5}`);
  return Buffer.from(`${lines.join("\n")}\n`);
}

/** A browser context of its own, signed in as nobody (not the admin the config signs in). */
async function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: process.env.E2E_BASE_URL,
    storageState: { cookies: [], origins: [] },
    extraHTTPHeaders: {},
  });
}

async function logIn(page: Page, person: Person, next = "/"): Promise<void> {
  await page.goto(next);
  // No session: the SPA sends the browser to the login page, remembering where it was going.
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("user-menu-name").first()).toBeVisible();
}

async function createJob(request: APIRequestContext, name: string, rows: number, cap: number | null): Promise<number> {
  const upload = await request.post("/api/v1/sources/csv/upload", {
    multipart: { file: { name: `${name.replace(/\W+/g, "_").toLowerCase()}.csv`, mimeType: "text/csv", buffer: csv(rows) } },
  });
  expect(upload.status()).toBe(201);
  const file = (await upload.json()) as { id: string };
  const credentials = (await (await request.get("/api/v1/credentials?limit=500")).json()) as {
    items: { id: number; name: string }[];
  };
  const destination = credentials.items.find((item) => item.name === DESTINATION);
  expect(destination).toBeDefined();
  const created = await request.post("/api/v1/jobs", {
    data: {
      name,
      file_id: file.id,
      credential_id: destination!.id,
      target_schema: "public",
      target_table: name.replace(/\W+/g, "_").toLowerCase(),
      batch_size: 1000,
      max_rows_per_second: cap,
    },
  });
  expect(created.status()).toBe(201);
  return ((await created.json()) as { id: number }).id;
}

test("the login page refuses a wrong password, then logs in and returns to the page asked for", async ({ browser }) => {
  const context = await freshContext(browser);
  const page = await context.newPage();
  await page.goto("/jobs");
  await expect(page).toHaveURL(/\/login\?next=%2Fjobs$/);

  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("login-error")).toHaveText("Wrong email or password.");

  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/jobs$/);
  await expect(page.getByRole("heading", { name: "Jobs" })).toBeVisible();
  await expect(page.getByTestId("user-menu-role").first()).toHaveText("Admin");
  await context.close();
});

test("an admin creates a viewer and an operator on the users page", async ({ page }) => {
  await page.goto("/users");
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  for (const person of [VIEWER, OPERATOR]) {
    await page.getByRole("button", { name: "New user" }).click();
    const dialog = page.getByRole("dialog", { name: "New user" });
    await dialog.getByLabel("Email").fill(person.email);
    await dialog.getByLabel("Name").fill(person.name);
    await dialog.getByRole("combobox", { name: "Role" }).click();
    await page.getByRole("option", { name: person.role, exact: true }).click();
    await dialog.getByLabel("First password").fill(person.password);
    await dialog.getByRole("button", { name: "Create user" }).click();
    await expect(dialog).toBeHidden();
    const row = page.getByTestId(`user-row-${person.email}`);
    await expect(row.getByRole("combobox", { name: `Role of ${person.name}` })).toHaveText(person.role);
    await expect(row).toContainText("Active");
  }
});

test("an operator runs a job to COMPLETED", async ({ browser, request }) => {
  // The admin makes the destination (only admins manage connections) and two jobs through the API.
  const destination = await request.post("/api/v1/credentials", {
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
  expect(destination.status()).toBe(201);
  ids.quickJob = await createJob(request, QUICK_JOB, 500, null);
  ids.slowJob = await createJob(request, SLOW_JOB, SLOW_ROWS, SLOW_CAP);

  const context = await freshContext(browser);
  const page = await context.newPage();
  await logIn(page, OPERATOR, `/jobs/${ids.quickJob}`);
  await expect(page).toHaveURL(new RegExp(`/jobs/${ids.quickJob}$`));
  await expect(page.getByTestId("user-menu-role").first()).toHaveText("Operator");
  // An operator runs jobs but does not manage users or the audit log.
  const nav = page.getByRole("navigation", { name: "Main" }).first();
  await expect(nav.getByRole("link", { name: "Upload" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Audit log" })).toHaveCount(0);

  await page.getByRole("button", { name: `Execute ${QUICK_JOB}` }).click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  ids.quickRun = Number(page.url().split("/").at(-1));
  await expect(page.locator('[data-status="COMPLETED"]').first()).toBeVisible({ timeout: 180_000 });
  await expect(page.getByText("Rows loaded", { exact: true }).locator("xpath=..")).toContainText("500");
  await context.close();
});

test("a viewer sees runs but no Execute, and the API answers 403 when it is forced", async ({ browser }) => {
  expect(ids.quickRun).toBeGreaterThan(0);
  const context = await freshContext(browser);
  const page = await context.newPage();
  await logIn(page, VIEWER, "/runs");
  await expect(page.getByTestId("user-menu-role").first()).toHaveText("Viewer");

  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: `#${ids.quickRun}`, exact: true }) });
  await expect(row).toContainText("Completed");
  await expect(row.getByRole("button", { name: /Delete|Cancel/ })).toHaveCount(0);

  await page.goto("/jobs");
  await expect(page.getByRole("link", { name: QUICK_JOB })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Execute/ })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "New job" })).toHaveCount(0);
  await page.getByRole("link", { name: QUICK_JOB }).click();
  await expect(page.getByRole("heading", { name: QUICK_JOB })).toBeVisible();
  await expect(page.getByRole("list", { name: "Recent runs" })).toContainText("Completed");
  await expect(page.getByRole("button", { name: /^Execute/ })).toHaveCount(0);
  await expect(page.getByTestId("edit-job-button")).toHaveCount(0);

  // Forced from the page with the session cookie and its CSRF token, as a crafted click would send it.
  const csrf = (await context.cookies()).find((cookie) => cookie.name === "portal_csrf")?.value;
  expect(csrf).toBeTruthy();
  const forced = await page.evaluate(
    async ({ jobId, token }) => {
      const response = await fetch(`/api/v1/jobs/execute/${jobId}`, { method: "POST", headers: { "X-CSRF-Token": token } });
      return { status: response.status, body: (await response.json()) as { error: string } };
    },
    { jobId: ids.quickJob, token: decodeURIComponent(csrf!) },
  );
  expect(forced.status).toBe(403);
  expect(forced.body.error).toBe("PermissionDenied");

  // The admin pages are not in the viewer's menu, and their address says why instead of failing.
  await expect(page.getByRole("navigation", { name: "Main" }).first().getByRole("link", { name: "Users" })).toHaveCount(0);
  await page.goto("/audit");
  await expect(page.getByTestId("needs-role")).toContainText("Only an admin can do this.");
  await context.close();
});

test("the audit page shows the user creations, the execute and the logins", async ({ page, request }) => {
  const users = (await (await request.get("/api/v1/users?limit=500")).json()) as { items: { id: number; email: string }[] };
  const created = [VIEWER, OPERATOR].map((person) => users.items.find((item) => item.email === person.email)!.id);
  await page.goto("/audit");
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  const table = page.getByRole("table", { name: "Audit events" });

  await page.getByRole("combobox", { name: "Resource" }).click();
  await page.getByRole("option", { name: "User", exact: true }).click();
  await page.getByRole("combobox", { name: "Action" }).click();
  await page.getByRole("option", { name: "Created", exact: true }).click();
  await expect(page).toHaveURL(/resource_type=user/);
  for (const id of created) {
    const row = table.getByRole("row").filter({ has: page.getByRole("cell", { name: `User ${id}`, exact: true }) });
    await expect(row).toContainText(ADMIN.email);
    await expect(row).toContainText("Created");
  }

  await page.getByRole("combobox", { name: "Resource" }).click();
  await page.getByRole("option", { name: "Job", exact: true }).click();
  await page.getByRole("combobox", { name: "Action" }).click();
  await page.getByRole("option", { name: "Executed", exact: true }).click();
  const executed = table.getByRole("row").filter({ has: page.getByRole("cell", { name: `Job ${ids.quickJob}`, exact: true }) });
  await expect(executed).toHaveCount(1);
  await expect(executed).toContainText(OPERATOR.email);

  await page.getByRole("combobox", { name: "Resource" }).click();
  await page.getByRole("option", { name: "Any resource" }).click();
  await page.getByRole("combobox", { name: "Action" }).click();
  await page.getByRole("option", { name: "Logged in", exact: true }).click();
  for (const email of [ADMIN.email, OPERATOR.email, VIEWER.email]) {
    await expect(table.getByRole("row").filter({ hasText: email }).first()).toBeVisible();
  }
  await page.getByRole("combobox", { name: "Action" }).click();
  await page.getByRole("option", { name: "Failed login", exact: true }).click();
  await expect(table.getByRole("row").filter({ hasText: ADMIN.email }).first()).toBeVisible();
});

test("logout ends the live stream of a run: the run's page goes to login", async ({ browser, request }) => {
  const context = await freshContext(browser);
  const runPage = await context.newPage();
  await logIn(runPage, OPERATOR, `/jobs/${ids.slowJob}`);
  await runPage.getByRole("button", { name: `Execute ${SLOW_JOB}` }).click();
  await expect(runPage).toHaveURL(/\/runs\/\d+$/);
  const runPath = new URL(runPage.url()).pathname;
  const runId = runPath.split("/").at(-1)!;
  const streamStatuses: number[] = [];
  runPage.on("response", (response) => {
    if (response.url().endsWith(`/job-runs/${runId}/stream`)) streamStatuses.push(response.status());
  });
  await expect(runPage.locator('[data-status="RUNNING"]').first()).toBeVisible({ timeout: 120_000 });
  await expect(runPage.getByText("Live", { exact: true })).toBeVisible();

  // Another tab of the same browser logs out.
  const other = await context.newPage();
  await other.goto("/");
  await other.getByRole("button", { name: `Account: ${OPERATOR.name}` }).first().click();
  await other.getByRole("menuitem", { name: "Log out" }).click();
  await expect(other).toHaveURL(/\/login$/);

  // The server ends the stream; the browser's reconnection is refused and the page, finding no
  // session to refresh, goes to login remembering the run.
  await expect(runPage).toHaveURL(new RegExp(`/login\\?next=${encodeURIComponent(runPath)}$`), { timeout: 120_000 });
  expect(streamStatuses).toContain(401);
  await context.close();

  // Leave nothing running for the next spec files.
  const cancelled = await request.post(`/api/v1/job-runs/${runId}/cancel`);
  expect([202, 409]).toContain(cancelled.status());
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/job-runs/${runId}`)).json()) as { status: string }).status, {
      timeout: 120_000,
    })
    .toMatch(/CANCELLED|COMPLETED|FAILED/);
});
