import { screen, waitFor, within } from "@testing-library/react";
import { EventSource } from "eventsource";
import { http, HttpResponse, sse } from "msw";

import { RunDetailPage } from "@/features/job-runs/components/run-detail-page";
import { credential, job, jobRun, operator, viewer } from "@/testing/fixtures";
import { logEvent } from "@/testing/monitoring-fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { JobRunEvent, JobRunRead, JobRunTableRead } from "@/types/api";

vi.stubGlobal("EventSource", EventSource);

function tableRun(overrides: Partial<JobRunTableRead> = {}): JobRunTableRead {
  return {
    id: 1,
    job_table_id: 1,
    position: 0,
    source_name: "public.customers",
    target_name: "main.src_customers",
    status: "PENDING",
    attempt: 0,
    rows_read: 0,
    rows_staged: 0,
    rows_loaded: 0,
    rows_rejected: 0,
    rows_filtered: 0,
    bytes_read: 0,
    bytes_total: 0,
    rows_per_second: 0,
    progress_percent: 0,
    eta_seconds: null,
    error_message: null,
    outputs: null,
    started_at: null,
    finished_at: null,
    ...overrides,
  };
}

function manyTableRun(overrides: Partial<JobRunRead> = {}): JobRunRead {
  return { ...jobRun(), tables: [], schema_drift: null, outputs: null, ...overrides };
}

function renderRun(runId = 42, currentUser = operator()) {
  return renderWithApp(<RunDetailPage />, {
    path: "/runs/:runId",
    url: `/runs/${runId}`,
    currentUser,
  });
}

type Stream = { snapshot: JobRunRead; table: JobRunEvent };

describe("RunDetailPage for a many-table run", () => {
  beforeEach(() => {
    server.use(
      http.get(apiPath("/jobs/7"), () => HttpResponse.json(job())),
      http.get(apiPath("/credentials/1"), () => HttpResponse.json(credential())),
      http.get(apiPath("/config"), () =>
        HttpResponse.json({ airflow_ui_url: "http://airflow.example:8080/", max_upload_bytes: 1024, version: "1.0.0" }),
      ),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
      http.get(apiPath("/job-runs/42/rejected-rows"), () => HttpResponse.json({ items: [], total: 0 })),
    );
  });

  it("follows each table's counters and status from the table events of the stream", async () => {
    const running = manyTableRun({
      status: "RUNNING",
      tables: [
        tableRun({ id: 1, position: 0, source_name: "public.customers", status: "RUNNING" }),
        tableRun({ id: 2, position: 1, source_name: "public.orders", target_name: "main.src_orders" }),
      ],
    });
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(running)),
      sse<Stream>(apiPath("/job-runs/42/stream"), ({ client }) => {
        client.send({ event: "snapshot", id: "1", data: running });
        // A table's counters, then its end (a status event), as the stream sends them: event rows.
        client.send({
          event: "table",
          id: "2",
          data: logEvent({ id: 2, kind: "progress", job_run_table_id: 1, data: { rows_read: 120, rows_staged: 120 } }),
        });
        client.send({
          event: "table",
          id: "3",
          data: logEvent({ id: 3, kind: "status", job_run_table_id: 1, data: { status: "COMPLETED", rows_loaded: 120, pid: 4242 } }),
        });
        client.send({
          event: "table",
          id: "4",
          data: logEvent({
            id: 4,
            kind: "status",
            job_run_table_id: 2,
            data: { status: "FAILED", attempt: 2, error_message: 'relation "public.orders" does not exist' },
          }),
        });
      }),
    );

    renderRun();

    const customers = await screen.findByTestId("run-table-public.customers");
    expect(await within(customers).findByText("Completed")).toBeInTheDocument();
    expect(within(customers).getByTestId("run-table-loaded")).toHaveTextContent("120");
    const orders = screen.getByTestId("run-table-public.orders");
    expect(await within(orders).findByText("Failed")).toBeInTheDocument();
    expect(within(orders).getByTestId("run-table-error")).toHaveTextContent('relation "public.orders" does not exist');
    expect(screen.getByTestId("run-tables")).toHaveTextContent("1 of 2 done, 1 failed");
  });

  it("retries only the tables that did not complete, as an operator", async () => {
    const failed = manyTableRun({
      status: "FAILED",
      error_message: "1 table failed: public.orders",
      tables: [
        tableRun({ id: 1, status: "COMPLETED", rows_loaded: 5 }),
        tableRun({ id: 2, position: 1, source_name: "public.orders", status: "FAILED" }),
        tableRun({ id: 3, position: 2, source_name: "public.items", status: "NOTHING_TO_LOAD" }),
      ],
    });
    let retried = false;
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(failed)),
      http.post(apiPath("/job-runs/42/retry-failed-tables"), () => {
        retried = true;
        return HttpResponse.json(jobRun({ id: 43 }), { status: 201 });
      }),
    );
    server.use(http.get(apiPath("/job-runs/43"), () => HttpResponse.json(manyTableRun({ id: 43, status: "COMPLETED" }))));
    const { user, router } = renderRun();

    const retry = await screen.findByTestId("retry-failed-tables-button");
    // The failed table only: a table with nothing to load is done.
    expect(retry).toHaveTextContent("Retry failed tables (1)");
    await user.click(retry);

    await waitFor(() => expect(router.state.location.pathname).toBe("/runs/43"));
    expect(retried).toBe(true);
  });

  it("offers no retry to a viewer, nor when every table completed", async () => {
    server.use(
      http.get(apiPath("/job-runs/42"), () =>
        HttpResponse.json(manyTableRun({ status: "FAILED", tables: [tableRun({ status: "FAILED" })] })),
      ),
    );
    renderRun(42, viewer());
    expect(await screen.findByTestId("run-tables")).toBeInTheDocument();
    expect(screen.queryByTestId("retry-failed-tables-button")).not.toBeInTheDocument();
  });

  it("shows the schema drift found before the run, the files written and the nothing-to-load status", async () => {
    server.use(
      http.get(apiPath("/job-runs/42"), () =>
        HttpResponse.json(
          manyTableRun({
            status: "NOTHING_TO_LOAD",
            schema_drift: {
              added: [{ name: "discount", type: "NUMERIC" }],
              removed: [],
              renamed: [{ from: "cust_name", to: "customer_name" }],
              type_changed: [{ name: "qty", from: "INTEGER", to: "BIGINT" }],
              policy: "evolve",
              action: "added discount to the target",
            },
            outputs: ["exports/date=2026-11-30/part-0.parquet"],
          }),
        ),
      ),
    );
    renderRun();

    expect(await screen.findByTestId("nothing-to-load")).toHaveTextContent("nothing was committed");
    expect(screen.getAllByText("Nothing to load").length).toBeGreaterThan(0);
    const drift = screen.getByTestId("schema-drift");
    expect(drift).toHaveTextContent("Added: discount (NUMERIC)");
    expect(drift).toHaveTextContent("Renamed? cust_name → customer_name");
    expect(drift).toHaveTextContent("Type changed: qty INTEGER → BIGINT");
    expect(drift).toHaveTextContent("Policy evolve: new columns are added to the target (never dropped) — added discount to the target.");
    expect(screen.getByTestId("run-outputs")).toHaveTextContent("exports/date=2026-11-30/part-0.parquet");
  });

  it("shows a many-table run's drift table by table", async () => {
    server.use(
      http.get(apiPath("/job-runs/42"), () =>
        HttpResponse.json(
          manyTableRun({
            status: "FAILED",
            schema_drift: {
              tables: {
                "public.orders": { added: [], removed: ["amount"], renamed: [], type_changed: [], policy: "fail", action: "failed" },
                "public.customers": {
                  added: [{ name: "region", type: "TEXT" }],
                  policy: "evolve",
                  action: "evolved",
                  columns_added: ["region"],
                },
              },
            },
          }),
        ),
      ),
    );
    renderRun();

    expect(await screen.findByTestId("schema-drift-public.orders")).toHaveTextContent("Removed: amount");
    expect(screen.getByTestId("schema-drift-public.orders")).toHaveTextContent("Policy fail: the run fails before loading anything — failed.");
    expect(screen.getByTestId("schema-drift-public.customers")).toHaveTextContent("— evolved (region).");
  });
});
