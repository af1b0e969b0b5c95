import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { EditJobRoute, NewJobRoute } from "@/app/routes/new-job";
import { credential, job, jobRun } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { JobCreate, JobTableIn, ProposeQueryRequest, ProposeTablesRequest } from "@/types/api";

const warehouse = credential();
const shop = credential({ id: 3, name: "Shop", kind: "postgres", usage: "source", is_builtin: false });

function proposed(table: string, keyed: boolean, prefix: string): JobTableIn {
  const mappings = [
    { source_column: "id", target_column: "id", target_type: "INTEGER" as const, include: true, transforms: [], expression: null },
    { source_column: "updated_at", target_column: "updated_at", target_type: "TIMESTAMPTZ" as const, include: true, transforms: [], expression: null },
  ];
  return {
    source_schema: "public",
    source_table: table,
    target_schema: "main",
    target_table: `${prefix}${table}`,
    create_table: true,
    strategy: keyed ? "UPSERT" : "INSERT",
    upsert_keys: keyed ? ["id"] : [],
    cursor_column: null,
    cursor_lookback: null,
    row_transforms: [],
    include: true,
    mappings,
  };
}

function sourceHandlers() {
  server.use(
    http.get(apiPath("/credentials"), ({ request }) =>
      HttpResponse.json(
        new URL(request.url).searchParams.get("usage") === "source" ? { items: [shop], total: 1 } : { items: [warehouse, shop], total: 2 },
      ),
    ),
    http.get(apiPath("/credentials/3/browse/schemas"), () => HttpResponse.json(["public", "sales"])),
    http.get(apiPath("/credentials/3/browse/tables"), ({ request }) =>
      HttpResponse.json(
        new URL(request.url).searchParams.get("schema") === "public"
          ? [
              { schema: "public", name: "customers", kind: "table", row_estimate: 40, size_bytes: 8192 },
              { schema: "public", name: "orders", kind: "table", row_estimate: 250, size_bytes: 16384 },
              { schema: "public", name: "notes", kind: "view", row_estimate: null, size_bytes: null },
            ]
          : [],
      ),
    ),
    http.get(apiPath(`/destinations/${warehouse.id}/schemas`), () => HttpResponse.json(["main"])),
  );
}

describe("the database job wizard", () => {
  it("loads tables picked from the tree, each with its proposed target, strategy and mapping, edited per table", async () => {
    sourceHandlers();
    const asked: ProposeTablesRequest[] = [];
    let created: JobCreate | null = null;
    server.use(
      http.post(apiPath("/jobs/propose-tables"), async ({ request }) => {
        const body = (await request.json()) as ProposeTablesRequest;
        asked.push(body);
        return HttpResponse.json({ tables: body.tables.map((t) => proposed(t.table, t.table !== "notes", body.target_prefix)) });
      }),
      http.post(apiPath("/jobs"), async ({ request }) => {
        created = (await request.json()) as JobCreate;
        return HttpResponse.json(job({ id: 9, name: created.name, source_type: "tables" }), { status: 201 });
      }),
      http.post(apiPath("/jobs/execute/9"), () => HttpResponse.json(jobRun({ id: 50, job_id: 9 }), { status: 202 })),
    );
    const { user, router } = renderWithApp(<NewJobRoute />, {
      path: "/jobs/new",
      url: "/jobs/new?source=tables&credentialId=3&schema=public&table=customers",
      routes: [{ path: "/runs/:runId", element: <p>Run page</p> }],
    });

    // Source: preset from the browser's "use in a new job"; two more tables ticked in the tree.
    expect(await screen.findByTestId("source-credential-select")).toHaveTextContent("Shop");
    await user.type(screen.getByTestId("job-name-input"), "Shop tables");
    await waitFor(() => expect(screen.getByTestId("source-table-public.customers")).toBeChecked());
    await user.click(screen.getByTestId("source-table-public.orders"));
    await user.click(screen.getByTestId("source-table-public.notes"));
    await user.click(screen.getByTestId("wizard-next"));

    // Destination: the built-in warehouse and its schema; the prefix names the targets.
    await screen.findByTestId("wizard-step-database-destination");
    await waitFor(() => expect(screen.getByTestId("target-schema-input")).toHaveValue("main"));
    await user.clear(screen.getByTestId("target-prefix-input"));
    await user.type(screen.getByTestId("target-prefix-input"), "shop_");
    await user.click(screen.getByTestId("wizard-next"));

    // Tables: as proposed, then notes renamed and orders loaded incrementally on updated_at.
    await screen.findByTestId("wizard-step-tables");
    expect(asked).toEqual([
      {
        source_credential_id: 3,
        tables: [
          { schema: "public", table: "customers" },
          { schema: "public", table: "orders" },
          { schema: "public", table: "notes" },
        ],
        target_schema: "main",
        target_prefix: "shop_",
      },
    ]);
    expect(screen.getByTestId("table-public.customers-target")).toHaveValue("shop_customers");
    expect(screen.getByTestId("table-public.customers-key-id")).toBeChecked();
    await user.clear(screen.getByTestId("table-public.notes-target"));
    await user.type(screen.getByTestId("table-public.notes-target"), "shop_remarks");
    await user.click(screen.getByTestId("table-public.orders-strategy"));
    await user.click(await screen.findByRole("option", { name: "Incremental (cursor column)" }));
    await user.click(screen.getByTestId("wizard-next"));
    expect(await screen.findByTestId("tables-problems")).toHaveTextContent("public.orders: pick its cursor column");
    await user.click(screen.getByTestId("table-public.orders-cursor"));
    await user.click(await screen.findByRole("option", { name: "updated_at" }));
    await user.click(screen.getByTestId("wizard-next"));

    // Options, then the review lists each table.
    await screen.findByTestId("wizard-step-options");
    await user.clear(screen.getByTestId("max-parallel-tables-input"));
    await user.type(screen.getByTestId("max-parallel-tables-input"), "2");
    await user.click(screen.getByTestId("key-ranges-select"));
    await user.click(await screen.findByRole("option", { name: "4 key ranges at once" }));
    await user.click(screen.getByTestId("wizard-next"));
    const review = await screen.findByTestId("review-tables");
    expect(within(review).getAllByRole("row")).toHaveLength(4);
    expect(screen.getByTestId("load-summary")).toHaveTextContent("3 tables will be read and loaded into schema main, at most 2 at a time");

    await user.click(screen.getByTestId("create-and-execute-button"));
    await waitFor(() => expect(router.state.location.pathname).toBe("/runs/50"));
    expect(created).toMatchObject({
      name: "Shop tables",
      source_type: "tables",
      source_credential_id: 3,
      credential_id: warehouse.id,
      max_parallel_tables: 2,
      drift_policy: "fail",
      source_options: { zero_dates: "reject", key_ranges: "4" },
    });
    const tables = created!.tables!;
    expect(tables.map((t) => [t.source_table, t.target_table, t.strategy, t.upsert_keys, t.cursor_column])).toEqual([
      ["customers", "shop_customers", "UPSERT", ["id"], null],
      ["orders", "shop_orders", "INCREMENTAL", ["id"], "updated_at"],
      ["notes", "shop_remarks", "INSERT", [], null],
    ]);
    expect(tables[0]!.mappings).toHaveLength(2);
  });

  it("loads a query: previewed, its columns proposed, mapped into a new table", async () => {
    sourceHandlers();
    let proposedFor: ProposeQueryRequest | null = null;
    let created: JobCreate | null = null;
    server.use(
      http.post(apiPath("/credentials/3/query"), () =>
        HttpResponse.json({
          columns: [
            { name: "id", type: "integer" },
            { name: "total", type: "decimal" },
          ],
          rows: [[1, "12.50"]],
          offset: 0,
          limit: 20,
          has_more: false,
          capped: false,
          elapsed_ms: 3,
        }),
      ),
      http.post(apiPath("/jobs/propose-query"), async ({ request }) => {
        proposedFor = (await request.json()) as ProposeQueryRequest;
        return HttpResponse.json({
          columns: [
            { name: "id", sql_name: "id", type: "INTEGER", precision: null, scale: null },
            { name: "total", sql_name: "total", type: "NUMERIC", precision: 12, scale: 2 },
          ],
          mappings: [
            { source_column: "id", target_column: "id", target_type: "INTEGER", include: true, transforms: [], expression: null },
            { source_column: "total", target_column: "total", target_type: "NUMERIC", include: true, transforms: [], expression: null },
          ],
        });
      }),
      http.post(apiPath("/jobs"), async ({ request }) => {
        created = (await request.json()) as JobCreate;
        return HttpResponse.json(job({ id: 11, name: created.name, source_type: "query" }), { status: 201 });
      }),
    );
    const sql = "SELECT id, sum(amount) AS total FROM orders GROUP BY id";
    const { user, router } = renderWithApp(<NewJobRoute />, {
      path: "/jobs/new",
      url: `/jobs/new?${new URLSearchParams({ source: "query", credentialId: "3", sql }).toString()}`,
      routes: [{ path: "/jobs/:jobId", element: <p>Job page</p> }],
    });

    expect(await screen.findByTestId("source-query-input")).toHaveValue(sql);
    await user.type(screen.getByTestId("job-name-input"), "Order totals");
    await user.click(screen.getByTestId("preview-query-button"));
    expect(await screen.findByTestId("query-preview")).toHaveTextContent("12.50");
    await user.click(screen.getByTestId("wizard-next"));

    await screen.findByTestId("wizard-step-database-destination");
    await waitFor(() => expect(screen.getByTestId("target-schema-input")).toHaveValue("main"));
    await user.clear(screen.getByTestId("table-name-input"));
    await user.type(screen.getByTestId("table-name-input"), "order_totals");
    await user.click(screen.getByTestId("wizard-next"));

    expect(await screen.findByTestId("column-mapping-editor")).toBeInTheDocument();
    expect(proposedFor).toEqual({ source_credential_id: 3, query: sql });
    await user.click(screen.getByTestId("wizard-next"));
    await screen.findByTestId("wizard-step-options");
    expect(screen.queryByTestId("max-parallel-tables-input")).not.toBeInTheDocument();
    expect(screen.queryByTestId("key-ranges-select")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("drift-policy-select"));
    await user.click(await screen.findByRole("option", { name: "Evolve the target" }));
    await user.click(screen.getByTestId("wizard-next"));
    await screen.findByTestId("wizard-step-review");
    await user.click(screen.getByTestId("create-job-button"));

    await waitFor(() => expect(router.state.location.pathname).toBe("/jobs/11"));
    expect(created!.source_options).toEqual({ zero_dates: "reject" }); // no key_ranges on a query
    expect(created).toMatchObject({
      source_type: "query",
      source_query: sql,
      target_schema: "main",
      target_table: "order_totals",
      strategy: "INSERT",
      drift_policy: "evolve",
      mappings: [
        { source_column: "id", target_column: "id", target_type: "INTEGER" },
        { source_column: "total", target_column: "total", target_type: "NUMERIC" },
      ],
    });
    expect(created!.tables ?? []).toEqual([]);
  });

  it("edits a saved tables job from its own values and saves them with PUT, without proposing again", async () => {
    sourceHandlers();
    const saved = job({
      id: 12,
      name: "Shop tables",
      source_type: "tables",
      source_credential_id: 3,
      source_label: "Shop: 1 table",
      target_schema: null,
      target_table: null,
      max_parallel_tables: 3,
      tables: [
        {
          ...proposed("customers", true, "shop_"),
          id: 31,
          position: 0,
          strategy: "INCREMENTAL",
          cursor_column: "updated_at",
          cursor_lookback: 60,
          mappings: proposed("customers", true, "shop_").mappings!.map((m, index) => ({ ...m, transforms: [], id: index + 1, position: index })),
        },
      ],
    });
    let put: JobCreate | null = null;
    server.use(
      http.get(apiPath("/jobs/12"), () => HttpResponse.json(saved)),
      http.post(apiPath("/jobs/propose-tables"), () => HttpResponse.error()),
      http.put(apiPath("/jobs/12"), async ({ request }) => {
        put = (await request.json()) as JobCreate;
        return HttpResponse.json(saved);
      }),
    );
    const { user, router } = renderWithApp(<EditJobRoute />, {
      path: "/jobs/:jobId/edit",
      url: "/jobs/12/edit",
      routes: [{ path: "/jobs/:jobId", element: <p>Job page</p> }],
    });

    await user.click(await screen.findByTestId("wizard-step-link-3"));
    expect(screen.getByTestId("table-public.customers-strategy")).toHaveTextContent("Incremental");
    await user.click(screen.getByTestId("wizard-step-link-5"));
    await user.click(await screen.findByTestId("save-job-button"));

    await waitFor(() => expect(router.state.location.pathname).toBe("/jobs/12"));
    expect(put).toMatchObject({ source_type: "tables", max_parallel_tables: 3 });
    expect(put!.tables).toMatchObject([
      { id: 31, source_table: "customers", strategy: "INCREMENTAL", cursor_column: "updated_at", cursor_lookback: 60 },
    ]);
  });
});
