import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { JobDetailPage } from "@/features/jobs/components/job-detail-page";
import { JobsPage } from "@/features/jobs/components/jobs-page";
import { credential, job } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { JobTableRead } from "@/types/api";

function jobTable(overrides: Partial<JobTableRead>): JobTableRead {
  return {
    id: 1,
    position: 0,
    source_schema: "public",
    source_table: "customers",
    target_schema: "main",
    target_table: "src_customers",
    create_table: true,
    strategy: "UPSERT",
    upsert_keys: ["id"],
    cursor_column: null,
    cursor_lookback: null,
    row_transforms: [],
    include: true,
    mappings: [{ id: 1, position: 0, source_column: "id", target_column: "id", target_type: "INTEGER", include: true, transforms: [], expression: null }],
    ...overrides,
  };
}

const tablesJob = job({
  id: 7,
  name: "Shop tables",
  source_type: "tables",
  source_credential_id: 3,
  source_label: "Shop: public.customers, public.orders, public.notes",
  file_id: null,
  target_schema: null,
  target_table: null,
  max_parallel_tables: 2,
  tables: [
    jobTable({ id: 1 }),
    jobTable({
      id: 2,
      position: 1,
      source_table: "orders",
      target_table: "src_orders",
      strategy: "INCREMENTAL",
      cursor_column: "updated_at",
      cursor_lookback: 300,
    }),
    jobTable({ id: 3, position: 2, source_table: "notes", target_table: "src_notes", strategy: "INSERT", upsert_keys: [], include: false }),
  ],
});

describe("a job's source on the jobs pages", () => {
  it("lists each job with what it reads and where it loads", async () => {
    server.use(
      http.get(apiPath("/jobs"), () =>
        HttpResponse.json({
          items: [
            tablesJob,
            job({ id: 8, name: "Order totals", source_type: "query", source_label: "Shop: a query", file_id: null }),
          ],
          total: 2,
        }),
      ),
    );
    renderWithApp(<JobsPage />, { path: "/jobs" });

    const tables = (await screen.findByRole("link", { name: "Shop tables" })).closest("tr")!;
    expect(within(tables).getByTestId("job-source")).toHaveTextContent("Tables");
    expect(within(tables).getByTestId("job-source")).toHaveTextContent("Shop: public.customers");
    expect(within(tables).getByText("2 tables in main")).toBeInTheDocument();
    const query = screen.getByRole("link", { name: "Order totals" }).closest("tr")!;
    expect(within(query).getByTestId("job-source")).toHaveTextContent("QueryShop: a query");
  });

  it("shows a many-table job's source connection and its tables with strategy, keys and cursor", async () => {
    server.use(
      http.get(apiPath("/jobs/7"), () => HttpResponse.json(tablesJob)),
      http.get(apiPath("/credentials/1"), () => HttpResponse.json(credential())),
      http.get(apiPath("/credentials/3"), () => HttpResponse.json(credential({ id: 3, name: "Shop", kind: "postgres", usage: "source" }))),
      http.get(apiPath("/job-runs"), () => HttpResponse.json({ items: [], total: 0 })),
      http.get(apiPath("/schedules"), () => HttpResponse.json({ items: [], total: 0 })),
    );
    renderWithApp(<JobDetailPage />, { path: "/jobs/:jobId", url: "/jobs/7" });

    const source = await screen.findByTestId("job-source");
    await waitFor(() => expect(source).toHaveTextContent("2 tables on Shop"));
    const tables = screen.getByTestId("job-tables");
    expect(tables).toHaveTextContent("2 of 3 tables loaded, at most 2 at a time.");
    const orders = within(tables).getByText("public.orders").closest("tr")!;
    expect(orders).toHaveTextContent("main.src_orders");
    expect(orders).toHaveTextContent("Incremental");
    expect(orders).toHaveTextContent("cursor: updated_at (look-back 300)");
    expect(within(tables).getByText("public.notes").closest("tr")!).toHaveTextContent("left out");
    expect(screen.queryByText(/columns loaded$/)).not.toBeInTheDocument();
    // No file to replace: the job reads a database.
    expect(screen.getByTestId("edit-job-button")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Replace file/i })).not.toBeInTheDocument();
  });
});
