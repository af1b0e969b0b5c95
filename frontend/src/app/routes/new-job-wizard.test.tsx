import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { NewJobRoute } from "@/app/routes/new-job";
import { credential, job, jobRun, uploadedFile } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { JobCreate } from "@/types/api";

const file = uploadedFile();
const warehouse = credential();

function renderWizard() {
  return renderWithApp(<NewJobRoute />, {
    path: "/jobs/new",
    url: `/jobs/new?fileId=${file.id}`,
    routes: [
      { path: "/runs/:runId", element: <p>Run page</p> },
      { path: "/jobs/:jobId", element: <p>Job page</p> },
    ],
  });
}

function destinationHandlers({ tables = [] as { schema: string; name: string }[] } = {}) {
  server.use(
    http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
    http.get(apiPath("/credentials"), () => HttpResponse.json({ items: [warehouse], total: 1 })),
    http.get(apiPath(`/destinations/${warehouse.id}/schemas`), () => HttpResponse.json(["information_schema", "main"])),
    http.get(apiPath(`/destinations/${warehouse.id}/tables`), () => HttpResponse.json(tables)),
  );
}

describe("JobWizardPage", () => {
  it("walks destination → mapping → load → review and creates and executes the job", async () => {
    destinationHandlers();
    let created: JobCreate | null = null;
    let ddlAsked: JobCreate | null = null;
    server.use(
      http.post(apiPath("/jobs/preview-ddl"), async ({ request }) => {
        ddlAsked = (await request.json()) as JobCreate;
        return HttpResponse.json({ ddl: 'CREATE TABLE "main"."sales" (\n  "id" INTEGER\n)', warnings: [] });
      }),
      http.post(apiPath("/jobs"), async ({ request }) => {
        created = (await request.json()) as JobCreate;
        return HttpResponse.json(job({ id: 7, name: created.name }), { status: 201 });
      }),
      http.post(apiPath("/jobs/execute/7"), () => HttpResponse.json(jobRun({ id: 42 }), { status: 202 })),
    );
    const { user, router } = renderWizard();

    // Destination: the built-in warehouse and its main schema are preselected; the table is named after the file.
    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("main"));
    expect(screen.getByTestId("credential-select")).toHaveTextContent("Local warehouse");
    expect(screen.getByTestId("table-name-input")).toHaveValue("sales");
    await user.click(screen.getByTestId("wizard-next"));

    // Mapping: leave out one column.
    await screen.findByTestId("wizard-step-mapping");
    await user.click(screen.getByTestId("mapping-include-sold_on"));
    await user.click(screen.getByTestId("wizard-next"));

    // Load: upsert needs a key before moving on.
    await screen.findByTestId("wizard-step-load");
    await user.click(screen.getByTestId("strategy-UPSERT"));
    await user.click(screen.getByTestId("wizard-next"));
    expect(await screen.findByText("Pick the column(s) that identify a row.")).toBeInTheDocument();
    expect(screen.queryByTestId("upsert-key-sold_on")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("upsert-key-id"));
    await user.click(screen.getByTestId("wizard-next"));

    // Review: plain words and the server's DDL.
    expect(await screen.findByTestId("ddl-preview")).toHaveTextContent('CREATE TABLE "main"."sales"');
    const summary = screen.getByTestId("load-summary");
    expect(summary).toHaveTextContent("A new table main.sales will be created with 3 columns.");
    expect(summary).toHaveTextContent("Rows whose “id” matches a row already in main.sales will update it");
    expect(ddlAsked).toMatchObject({ target_table: "sales", strategy: "UPSERT" });

    await user.click(screen.getByTestId("create-and-execute-button"));

    expect(await screen.findByText("Run page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/runs/42");
    expect(created).toMatchObject({
      name: "Load sales.csv",
      file_id: file.id,
      credential_id: warehouse.id,
      target_schema: "main",
      target_table: "sales",
      create_table: true,
      strategy: "UPSERT",
      upsert_keys: ["id"],
      batch_size: 100000,
      reject_threshold_count: null,
      reject_threshold_percent: null,
    });
    expect(created!.mappings!.map((m) => [m.source_column, m.include])).toEqual([
      ["id", true],
      ["customer_name", true],
      ["amount", true],
      ["sold_on", false],
    ]);
  });

  it("keeps what was entered when going back", async () => {
    destinationHandlers();
    const { user } = renderWizard();
    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("main"));
    const table = screen.getByTestId("table-name-input");
    await user.clear(table);
    await user.type(table, "sales_2024");
    await user.click(screen.getByTestId("wizard-next"));
    await screen.findByTestId("wizard-step-mapping");
    await user.click(screen.getByTestId("mapping-include-amount"));

    await user.click(screen.getByTestId("wizard-back"));
    expect(await screen.findByTestId("table-name-input")).toHaveValue("sales_2024");
    await user.click(screen.getByTestId("wizard-next"));
    expect(await screen.findByTestId("mapping-include-amount")).not.toBeChecked();
  });

  it("refuses a new table name that already exists", async () => {
    destinationHandlers({ tables: [{ schema: "main", name: "sales" }] });
    const { user } = renderWizard();
    await screen.findByText(/main\.sales already exists/);

    await user.click(screen.getByTestId("wizard-next"));

    expect(await screen.findByText(/This table already exists/)).toBeInTheDocument();
    expect(screen.getByTestId("wizard-step-destination")).toBeInTheDocument();
  });

  it("auto-matches the file onto an existing table's columns", async () => {
    destinationHandlers({ tables: [{ schema: "main", name: "customers" }] });
    server.use(
      http.get(apiPath(`/destinations/${warehouse.id}/schema`), () =>
        HttpResponse.json({
          schema: "main",
          table: "customers",
          columns: [
            { name: "id", type: "BIGINT", nullable: false },
            { name: "customername", type: "VARCHAR", nullable: true },
          ],
        }),
      ),
    );
    const { user } = renderWizard();
    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("main"));

    await user.click(screen.getByTestId("table-mode-existing"));
    await user.click(await screen.findByTestId("existing-table-select"));
    await user.click(await screen.findByRole("option", { name: "customers" }));
    await user.click(screen.getByTestId("wizard-next"));

    await screen.findByTestId("wizard-step-mapping");
    expect(screen.getByText("2 of 4 columns included")).toBeInTheDocument();
    expect(screen.getByTestId("mapping-target-customer_name")).toHaveValue("customername");
    expect(screen.getByTestId("mapping-type-id")).toHaveTextContent("BIGINT");
    expect(screen.getByTestId("mapping-include-amount")).not.toBeChecked();
  });

  it("opens the job when it was created but Airflow could not start it", async () => {
    destinationHandlers();
    server.use(
      http.post(apiPath("/jobs/preview-ddl"), () => HttpResponse.json({ ddl: "CREATE TABLE x ()", warnings: [] })),
      http.post(apiPath("/jobs"), () => HttpResponse.json(job({ id: 7 }), { status: 201 })),
      http.post(apiPath("/jobs/execute/7"), () =>
        HttpResponse.json({ error: "AirflowUnavailableError", message: "Airflow is not reachable" }, { status: 503 }),
      ),
    );
    const { user, router } = renderWizard();
    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("main"));
    for (const panel of ["wizard-step-mapping", "wizard-step-load", "wizard-step-review"]) {
      await user.click(screen.getByTestId("wizard-next"));
      await screen.findByTestId(panel);
    }

    await user.click(screen.getByTestId("create-and-execute-button"));

    expect(await screen.findByText("Job page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/jobs/7");
    expect(await screen.findByText(/was created but could not start: Airflow is not reachable/)).toBeInTheDocument();
  });

  it("lists the server's problems when it refuses the job, staying on the review", async () => {
    destinationHandlers();
    server.use(
      http.post(apiPath("/jobs/preview-ddl"), () => HttpResponse.json({ ddl: "CREATE TABLE x ()", warnings: [] })),
      http.post(apiPath("/jobs"), () =>
        HttpResponse.json(
          {
            error: "JobValidationError",
            message: "The job does not fit its file and destination",
            details: { problems: [{ field: "mappings[0].target_type", message: "INTEGER cannot hold 'abc'" }] },
          },
          { status: 422 },
        ),
      ),
    );
    const { user } = renderWizard();
    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("main"));
    for (const panel of ["wizard-step-mapping", "wizard-step-load", "wizard-step-review"]) {
      await user.click(screen.getByTestId("wizard-next"));
      await screen.findByTestId(panel);
    }

    await user.click(screen.getByTestId("create-job-button"));

    const message = await screen.findByText("The job does not fit its file and destination");
    const alert = message.closest('[role="alert"]');
    expect(alert).toHaveTextContent("The job could not be created");
    expect(alert).toHaveTextContent("mappings[0].target_type: INTEGER cannot hold 'abc'");
    expect(screen.getByTestId("wizard-step-review")).toBeInTheDocument();
  });

  it("asks what the job reads when opened without a file", async () => {
    renderWithApp(<NewJobRoute />, { path: "/jobs/new" });
    const chooser = await screen.findByTestId("source-chooser");
    expect(within(chooser).getByRole("link", { name: /An uploaded file/ })).toHaveAttribute("href", "/upload");
    expect(within(chooser).getByRole("link", { name: /Tables of a database/ })).toHaveAttribute("href", "/jobs/new?source=tables");
    expect(within(chooser).getByRole("link", { name: /A query/ })).toHaveAttribute("href", "/jobs/new?source=query");
  });
});
