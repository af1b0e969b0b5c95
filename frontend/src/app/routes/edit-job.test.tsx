import { screen, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { EditJobRoute } from "@/app/routes/new-job";
import { credential, job, uploadedFile } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { ColumnMappingRead, JobUpdate } from "@/types/api";

const file = uploadedFile();
const warehouse = credential();
const mappings: ColumnMappingRead[] = [
  { id: 1, position: 0, source_column: "id", target_column: "id", target_type: "BIGINT", include: true, transforms: [], expression: null },
  { id: 2, position: 1, source_column: "customer_name", target_column: "customer", target_type: "TEXT", include: true, transforms: [{ type: "trim" }], expression: null },
  { id: 3, position: 2, source_column: "amount", target_column: "amount", target_type: "NUMERIC", include: true, transforms: [], expression: null },
  { id: 4, position: 3, source_column: "sold_on", target_column: "sold_on", target_type: "DATE", include: false, transforms: [], expression: null },
  { id: 5, position: 4, source_column: null, target_column: "with_tax", target_type: "FLOAT", include: true, transforms: [], expression: "amount * 1.2" },
];
// The job created its table on an earlier run: editing it must not call that a name clash.
const saved = job({ name: "Load sales", strategy: "UPSERT", upsert_keys: ["id"], reject_threshold_count: 5, mappings });

function handlers() {
  server.use(
    http.get(apiPath(`/jobs/${saved.id}`), () => HttpResponse.json(saved)),
    http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
    http.get(apiPath("/credentials"), () => HttpResponse.json({ items: [warehouse], total: 1 })),
    http.get(apiPath(`/destinations/${warehouse.id}/schemas`), () => HttpResponse.json(["main"])),
    http.get(apiPath(`/destinations/${warehouse.id}/tables`), () => HttpResponse.json([{ schema: "main", name: "sales" }])),
    http.post(apiPath("/jobs/validate-expression"), () =>
      HttpResponse.json({ valid: true, error: null, position: null, type: "NUMERIC", sample: ["1.2"] }),
    ),
    http.post(apiPath("/jobs/preview-ddl"), () => HttpResponse.json({ ddl: 'CREATE TABLE "main"."sales" ()', warnings: [] })),
  );
}

function renderEdit() {
  return renderWithApp(<EditJobRoute />, {
    path: "/jobs/:jobId/edit",
    url: `/jobs/${saved.id}/edit`,
    routes: [{ path: "/jobs/:jobId", element: <p>Job page</p> }],
  });
}

describe("EditJobRoute", () => {
  it("opens the wizard on the job's saved values and saves the changes with PUT", async () => {
    handlers();
    let put: JobUpdate | null = null;
    server.use(
      http.put(apiPath(`/jobs/${saved.id}`), async ({ request }) => {
        put = (await request.json()) as JobUpdate;
        return HttpResponse.json({ ...saved, ...put, mappings });
      }),
    );
    const { user, router } = renderEdit();

    const name = await screen.findByTestId("job-name-input");
    expect(name).toHaveValue("Load sales");
    expect(screen.getByTestId("table-name-input")).toHaveValue("sales");
    expect(screen.queryByText(/already exists/)).not.toBeInTheDocument();
    await user.clear(name);
    await user.type(name, "Load sales (daily)");
    await user.click(screen.getByTestId("wizard-next"));

    // The saved mapping, not one made afresh from the file: renamed, excluded and calculated columns as saved.
    await screen.findByTestId("wizard-step-mapping");
    expect(screen.getByTestId("mapping-target-customer_name")).toHaveValue("customer");
    expect(screen.getByTestId("mapping-include-sold_on")).not.toBeChecked();
    expect(screen.getByRole("combobox", { name: "Type of with_tax" })).toHaveTextContent("FLOAT");
    await user.click(screen.getByTestId("wizard-next"));
    await screen.findByTestId("wizard-step-load");
    expect(screen.getByTestId("reject-threshold-input")).toHaveValue(5);
    await user.click(screen.getByTestId("wizard-next"));
    await screen.findByTestId("load-summary");

    await user.click(screen.getByTestId("save-job-button"));

    expect(await screen.findByText("Job page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe(`/jobs/${saved.id}`);
    expect(put).toMatchObject({
      name: "Load sales (daily)",
      file_id: file.id,
      target_table: "sales",
      create_table: true,
      strategy: "UPSERT",
      upsert_keys: ["id"],
      reject_threshold_count: 5,
    });
    // A user's type choice on a calculated column survives the expression check (FLOAT, not NUMERIC).
    expect(put!.mappings!.map((m) => [m.source_column, m.target_column, m.target_type, m.include])).toEqual([
      ["id", "id", "BIGINT", true],
      ["customer_name", "customer", "TEXT", true],
      ["amount", "amount", "NUMERIC", true],
      ["sold_on", "sold_on", "DATE", false],
      [null, "with_tax", "FLOAT", true],
    ]);
    expect(put!.mappings![1]!.transforms).toEqual([{ type: "trim" }]);
  });

  it("shows the server's problems when it refuses the change", async () => {
    handlers();
    server.use(
      http.put(apiPath(`/jobs/${saved.id}`), () =>
        HttpResponse.json(
          {
            error: "ValidationError",
            message: "The mapping does not fit",
            details: { problems: [{ field: "mappings", message: "column with_tax: expected NUMERIC" }] },
          },
          { status: 422 },
        ),
      ),
    );
    const { user } = renderEdit();
    await screen.findByTestId("job-name-input");
    await user.click(screen.getByTestId("wizard-step-link-4"));
    await user.click(await screen.findByTestId("save-job-button"));

    expect(await screen.findByText("The job could not be saved")).toBeInTheDocument();
    expect(screen.getByText("column with_tax: expected NUMERIC")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("load-summary")).toBeInTheDocument());
  });
});
