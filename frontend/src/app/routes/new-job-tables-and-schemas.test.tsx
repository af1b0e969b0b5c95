import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { NewJobRoute } from "@/app/routes/new-job";
import { credential, job, uploadedFile } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { JobCreate } from "@/types/api";

const file = uploadedFile();
const warehouse = credential();
const customers = {
  schema: "main",
  table: "customers",
  columns: [
    { name: "id", type: "BIGINT", nullable: false, has_default: false },
    { name: "customername", type: "VARCHAR", nullable: true, has_default: false },
    { name: "loaded_at", type: "TIMESTAMP WITH TIME ZONE", nullable: false, has_default: true },
  ],
};

function renderWizard() {
  return renderWithApp(<NewJobRoute />, {
    path: "/jobs/new",
    url: `/jobs/new?fileId=${file.id}`,
    routes: [{ path: "/jobs/:jobId", element: <p>Job page</p> }],
  });
}

function destination(schemas: () => string[] = () => ["main"]) {
  server.use(
    http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
    http.get(apiPath("/credentials"), () => HttpResponse.json({ items: [warehouse], total: 1 })),
    http.get(apiPath(`/destinations/${warehouse.id}/schemas`), () => HttpResponse.json(schemas())),
    http.get(apiPath(`/destinations/${warehouse.id}/tables`), ({ request }) =>
      HttpResponse.json(
        new URL(request.url).searchParams.get("schema") === "main" ? [{ schema: "main", name: "customers" }] : [],
      ),
    ),
    http.get(apiPath(`/destinations/${warehouse.id}/schema`), () => HttpResponse.json(customers)),
  );
}

describe("JobWizardPage with existing tables and new schemas", () => {
  it("maps onto an existing table's columns, reports misfits at the mapping step once, and creates no table", async () => {
    destination();
    let checks = 0;
    let created: JobCreate | null = null;
    server.use(
      http.post(apiPath("/jobs/preview-ddl"), async ({ request }) => {
        checks += 1;
        const body = (await request.json()) as JobCreate;
        const id = body.mappings?.find((m) => m.target_column === "id");
        if (id?.include) {
          return HttpResponse.json({
            ddl: 'CREATE TABLE "main"."customers" ("id" BIGINT)',
            warnings: ["loads into the existing table main.customers: nothing is created or altered"],
          });
        }
        return HttpResponse.json(
          {
            error: "ValidationFailedError",
            message: "Invalid job: table column 'id' is NOT NULL without a default and is not mapped",
            details: { problems: [{ field: "mappings", message: "table column 'id' is NOT NULL without a default and is not mapped" }] },
          },
          { status: 422 },
        );
      }),
      http.post(apiPath("/jobs"), async ({ request }) => {
        created = (await request.json()) as JobCreate;
        return HttpResponse.json(job({ id: 9 }), { status: 201 });
      }),
    );
    const { user } = renderWizard();
    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("main"));
    await user.click(screen.getByTestId("table-mode-existing"));
    await user.click(await screen.findByTestId("existing-table-select"));
    await user.click(await screen.findByRole("option", { name: "customers" }));
    await user.click(screen.getByTestId("wizard-next"));

    // The table's columns and types, and what fills each.
    const table = await screen.findByTestId("existing-table-columns");
    expect(within(table).getByTestId("existing-column-id")).toHaveTextContent("BIGINT");
    expect(within(table).getByTestId("existing-column-id")).toHaveTextContent("id");
    expect(within(table).getByTestId("existing-column-customername")).toHaveTextContent("Customer Name");
    expect(within(table).getByTestId("existing-column-loaded_at")).toHaveTextContent("its default");

    await user.click(screen.getByTestId("mapping-include-id"));
    expect(within(table).getByTestId("existing-column-id")).toHaveTextContent("the table needs a value here");
    await user.click(screen.getByTestId("wizard-next"));

    const problems = await screen.findByTestId("mapping-problems");
    expect(problems).toHaveTextContent("table column 'id' is NOT NULL without a default and is not mapped");
    expect(screen.getAllByText(/is NOT NULL without a default/)).toHaveLength(1);
    expect(screen.getByTestId("wizard-step-mapping")).toBeInTheDocument();

    await user.click(screen.getByTestId("mapping-include-id"));
    await user.click(screen.getByTestId("wizard-next"));
    await screen.findByTestId("wizard-step-load");
    await user.click(screen.getByTestId("wizard-next"));

    await screen.findByTestId("wizard-step-review");
    expect(await screen.findByTestId("existing-table-targets")).toHaveTextContent("customername");
    expect(screen.getByRole("heading", { name: "Loads into the existing table main.customers" })).toBeInTheDocument();
    expect(screen.queryByTestId("ddl-preview")).not.toBeInTheDocument();
    expect(screen.queryByText(/CREATE TABLE/)).not.toBeInTheDocument();
    expect(checks).toBeGreaterThanOrEqual(2);

    await user.click(screen.getByTestId("create-job-button"));
    expect(await screen.findByText("Job page")).toBeInTheDocument();
    expect(created).toMatchObject({ target_schema: "main", target_table: "customers", create_table: false });
  });

  it("creates the job in a new schema typed by the user, which the first load creates", async () => {
    destination();
    let created: JobCreate | null = null;
    server.use(
      http.post(apiPath("/jobs/preview-ddl"), () => HttpResponse.json({ ddl: 'CREATE TABLE "staging"."sales" ()', warnings: [] })),
      http.post(apiPath("/jobs"), async ({ request }) => {
        created = (await request.json()) as JobCreate;
        return HttpResponse.json(job({ id: 9 }), { status: 201 });
      }),
    );
    const { user } = renderWizard();
    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("main"));

    await user.click(screen.getByTestId("schema-select"));
    await user.click(await screen.findByRole("option", { name: "New schema…" }));
    await user.type(screen.getByTestId("new-schema-input"), "staging");
    expect(screen.getByText("It does not exist yet: the first load creates it.")).toBeInTheDocument();
    for (const panel of ["wizard-step-mapping", "wizard-step-load", "wizard-step-review"]) {
      await user.click(screen.getByTestId("wizard-next"));
      await screen.findByTestId(panel);
    }

    expect(await screen.findByTestId("new-schema-note")).toHaveTextContent("Schema staging does not exist yet");
    await user.click(screen.getByTestId("create-job-button"));
    expect(await screen.findByText("Job page")).toBeInTheDocument();
    expect(created).toMatchObject({ target_schema: "staging", target_table: "sales", create_table: true });
  });

  it("refreshes the schemas without resetting what was entered", async () => {
    let schemas = ["main"];
    destination(() => schemas);
    const { user } = renderWizard();
    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("main"));
    await user.clear(screen.getByTestId("job-name-input"));
    await user.type(screen.getByTestId("job-name-input"), "Nightly sales");

    schemas = ["main", "reporting"]; // created elsewhere meanwhile
    await user.click(screen.getByTestId("schemas-refresh"));
    await user.click(screen.getByTestId("schema-select"));
    await user.click(await screen.findByRole("option", { name: "reporting" }));

    expect(screen.getByTestId("schema-select")).toHaveTextContent("reporting");
    expect(screen.getByTestId("job-name-input")).toHaveValue("Nightly sales");
    expect(screen.getByTestId("table-name-input")).toHaveValue("sales");
  });
});
