import { screen, waitFor, within } from "@testing-library/react";
import { EventSource } from "eventsource";
import { http, HttpResponse, sse } from "msw";

import { RunDetailPage } from "@/features/job-runs/components/run-detail-page";
import { setSessionExpiredHandler } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import { credential, job, jobRun, user as userFixture, viewer } from "@/testing/fixtures";
import { logEvent } from "@/testing/monitoring-fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { JobRunEvent, JobRunRead } from "@/types/api";

type RunStream = { snapshot: JobRunRead; progress: JobRunRead; log: JobRunEvent; end: JobRunRead };

// jsdom has no EventSource; this fetch-based one goes through MSW like the browser's would.
vi.stubGlobal("EventSource", EventSource);

function renderRun(runId = 42) {
  return renderWithApp(<RunDetailPage />, { path: "/runs/:runId", url: `/runs/${runId}` });
}

describe("RunDetailPage", () => {
  beforeEach(() => {
    server.use(
      http.get(apiPath("/config"), () =>
        HttpResponse.json({ airflow_ui_url: "http://airflow.example:8080/", max_upload_bytes: 1024, version: "1.0.0" }),
      ),
      http.get(apiPath("/jobs/7"), () => HttpResponse.json(job())),
      http.get(apiPath("/credentials/:id"), ({ params }) => HttpResponse.json(credential({ id: Number(params.id) }))),
    );
  });

  it("shows live counters and appends log lines as they stream", async () => {
    const running = jobRun({ status: "RUNNING", started_at: "2026-11-23T12:00:01Z", progress_percent: 5 });
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(running)),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([logEvent({ id: 1, message: "run_started" })])),
      sse<RunStream>(apiPath("/job-runs/42/stream"), ({ client }) => {
        client.send({ event: "snapshot", id: "1", data: running });
        client.send({
          event: "progress",
          id: "2",
          data: {
            ...running,
            rows_read: 6000,
            rows_staged: 5990,
            rows_rejected: 10,
            progress_percent: 60,
            rows_per_second: 12000,
            eta_seconds: 4,
          },
        });
        client.send({ event: "log", id: "3", data: logEvent({ id: 3, message: "batch_written" }) });
      }),
    );

    renderRun();

    expect(await screen.findByText("5,990")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Load progress" })).toHaveAttribute("aria-valuenow", "60");
    expect(screen.getByText("12,000/s")).toBeInTheDocument();
    expect(screen.getByText("Time left").nextSibling).toHaveTextContent("4s");
    expect(screen.getByText("Live")).toBeInTheDocument();
    const logs = await screen.findByRole("list", { name: "Run logs" });
    expect(await within(logs).findByText("batch_written")).toBeInTheDocument();
    expect(within(logs).getByText("run_started")).toBeInTheDocument();
  });

  it("announces the end of the run it was following", async () => {
    const running = jobRun({ status: "RUNNING", started_at: "2026-11-23T12:00:01Z" });
    const finished: JobRunRead = {
      ...running,
      status: "COMPLETED_WITH_REJECTS",
      rows_read: 10_000,
      rows_loaded: 9990,
      rows_rejected: 10,
      progress_percent: 100,
      duration_seconds: 2,
    };
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(running)),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
      sse<RunStream>(apiPath("/job-runs/42/stream"), ({ client }) => {
        client.send({ event: "snapshot", id: "1", data: running });
        client.send({ event: "end", data: finished });
        client.close();
      }),
    );

    renderRun();

    expect(await screen.findByText(/Run #42 of Load sales completed with rejects/)).toBeInTheDocument();
    expect(screen.getByText("9,990 rows loaded, 10 rejected.")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Load progress" })).toHaveAttribute("aria-valuenow", "100");
    expect(screen.getByText("Duration").nextSibling).toHaveTextContent("2s");
    expect(screen.queryByRole("button", { name: "Cancel run" })).not.toBeInTheDocument();
  });

  it("announces the end even when the last progress already carries the final status", async () => {
    const running = jobRun({ status: "RUNNING", started_at: "2026-11-23T12:00:01Z", progress_percent: 50 });
    const finished: JobRunRead = { ...running, status: "COMPLETED", rows_read: 300, rows_loaded: 300, progress_percent: 100 };
    let sendEnd: (() => void) | null = null;
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(running)),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
      sse<RunStream>(apiPath("/job-runs/42/stream"), ({ client }) => {
        client.send({ event: "snapshot", id: "1", data: running });
        client.send({ event: "progress", id: "2", data: finished });
        sendEnd = () => {
          client.send({ event: "end", data: finished });
          client.close();
        };
      }),
    );

    renderRun();
    // The page has drawn the final status before `end` arrives.
    expect(await screen.findByText("Completed", { selector: "[data-status]" })).toBeInTheDocument();
    await waitFor(() => expect(sendEnd).not.toBeNull());
    sendEnd!();

    expect(await screen.findByText("300 rows loaded.")).toBeInTheDocument();
    expect(screen.getByText("Run #42 of Load sales completed")).toBeInTheDocument();
  });

  it("shows a finished run's failure reason without opening a stream", async () => {
    // No stream handler: opening one would fail the test as an unhandled request.
    server.use(
      http.get(apiPath("/job-runs/42"), () =>
        HttpResponse.json(jobRun({ status: "FAILED", error_message: "column amount: 'abc' is not a number (line 3)" })),
      ),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
    );

    renderRun();

    expect(await screen.findByText("The run failed")).toBeInTheDocument();
    expect(screen.getByText("column amount: 'abc' is not a number (line 3)")).toBeInTheDocument();
    expect(await screen.findByText("No log entries yet.")).toBeInTheDocument();
  });

  it("links to the destination's browser at the table the job loads", async () => {
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(jobRun({ status: "COMPLETED" }))),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
      http.get(apiPath("/jobs/7"), () =>
        HttpResponse.json(job({ credential_id: 3, target_schema: "sales data", target_table: "orders" })),
      ),
    );

    renderRun();

    const link = await screen.findByRole("link", { name: "Browse the destination" });
    expect(link).toHaveAttribute("href", "/connections/3/browse?schema=sales+data&table=orders");
  });

  it("offers no browser for a destination it cannot read (S3, Redshift, Snowflake)", async () => {
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(jobRun({ status: "COMPLETED" }))),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
      http.get(apiPath("/jobs/7"), () => HttpResponse.json(job({ credential_id: 5 }))),
      http.get(apiPath("/credentials/5"), () =>
        HttpResponse.json(credential({ id: 5, kind: "redshift", browsable: false, is_builtin: false })),
      ),
    );

    const { queryClient } = renderRun();

    // Once the destination is known (not before: nothing is shown while it loads either).
    await waitFor(() => expect(queryClient.getQueryState(queryKeys.credentials.detail(5))?.status).toBe("success"));
    expect(screen.getByRole("button", { name: "Run again" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Browse the destination" })).not.toBeInTheDocument();
  });

  it("pages through the rejected rows and offers them as a CSV download", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({
      id: i + 1,
      line_number: i + 2,
      raw: `x,${i}`,
      column: "amount",
      reason: "not a number",
    }));
    const offsets: string[] = [];
    server.use(
      http.get(apiPath("/job-runs/42"), () =>
        HttpResponse.json(jobRun({ status: "COMPLETED_WITH_REJECTS", rows_rejected: 51, progress_percent: 100 })),
      ),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
      http.get(apiPath("/job-runs/42/rejected-rows"), ({ request }) => {
        const offset = new URL(request.url).searchParams.get("offset") ?? "0";
        offsets.push(offset);
        const items = offset === "0" ? rows : [{ id: 51, line_number: 99, raw: "last,row", column: "sold_on", reason: "not a date" }];
        return HttpResponse.json({ items, total: 51 });
      }),
    );
    const { user } = renderRun();

    await user.click(await screen.findByRole("tab", { name: /Rejected rows \(51\)/ }));
    expect(await screen.findByText("51 rejected rows; showing 1–50")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: /Download CSV/ })).toHaveAttribute(
      "href",
      "/api/v1/job-runs/42/rejected-rows.csv",
    );

    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("not a date")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    expect(offsets).toEqual(["0", "50"]);
  });

  it("cancels an active run after asking, and not when the user keeps it running", async () => {
    const pending = jobRun({ status: "PENDING" });
    let current = pending;
    let cancels = 0;
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(current)),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
      sse<RunStream>(apiPath("/job-runs/42/stream"), ({ client }) => {
        client.send({ event: "snapshot", data: pending });
      }),
      http.post(apiPath("/job-runs/42/cancel"), () => {
        cancels += 1;
        current = jobRun({ status: "CANCELLED", error_message: "Cancelled by user" });
        return HttpResponse.json(current, { status: 202 });
      }),
      http.get(apiPath("/job-runs"), () => HttpResponse.json({ items: [], total: 0 })),
    );
    const { user } = renderRun();

    await user.click(await screen.findByRole("button", { name: "Cancel run" }));
    let dialog = await screen.findByRole("alertdialog", { name: "Cancel run #42 of Load sales?" });
    expect(dialog).toHaveTextContent("The run will not start.");
    await user.click(within(dialog).getByRole("button", { name: "Keep running" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(cancels).toBe(0);

    await user.click(screen.getByRole("button", { name: "Cancel run" }));
    dialog = await screen.findByRole("alertdialog");
    await user.click(within(dialog).getByRole("button", { name: "Cancel run" }));

    expect(await screen.findByText("Run #42 cancelled")).toBeInTheDocument();
    expect(cancels).toBe(1);
    expect(screen.getByText("Cancelled", { selector: "[data-status]" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel run" })).not.toBeInTheDocument();
  });

  it("starts the job again from a finished run and opens the new run; no re-run while active", async () => {
    let executed = 0;
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(jobRun({ status: "FAILED", error_message: "boom" }))),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
      http.post(apiPath("/jobs/execute/7"), () => {
        executed += 1;
        return HttpResponse.json(jobRun({ id: 43, status: "PENDING" }), { status: 202 });
      }),
      http.get(apiPath("/job-runs/43"), () => HttpResponse.json(jobRun({ id: 43, status: "PENDING" }))),
      http.get(apiPath("/job-runs/43/logs"), () => HttpResponse.json([])),
      sse<RunStream>(apiPath("/job-runs/43/stream"), ({ client }) => {
        client.send({ event: "snapshot", data: jobRun({ id: 43, status: "PENDING" }) });
      }),
    );
    const { user, router } = renderRun();

    await user.click(await screen.findByRole("button", { name: "Run again" }));

    expect(await screen.findByRole("heading", { name: "Run #43" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/runs/43");
    expect(executed).toBe(1);
    // The new run is active: it can be cancelled, not started again.
    expect(screen.getByRole("button", { name: "Cancel run" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Run again" })).not.toBeInTheDocument();
  });

  it("links the run's log to its task log in the Airflow UI", async () => {
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(jobRun({ status: "COMPLETED", progress_percent: 100 }))),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([logEvent({ id: 1, message: "run_completed" })])),
    );
    renderRun();

    const link = await screen.findByRole("link", { name: "Airflow task log" });
    expect(link).toHaveAttribute(
      "href",
      "http://airflow.example:8080/dags/etl_job_executor/runs/job_7_run_42/tasks/execute_etl_job",
    );
    expect(link).toHaveAttribute("target", "_blank");
  });

  it("has no Airflow link before the run has a DAG run", async () => {
    server.use(
      http.get(apiPath("/job-runs/42"), () =>
        HttpResponse.json(jobRun({ status: "FAILED", error_message: "Airflow is down", airflow_task_log_path: null })),
      ),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
    );
    renderRun();

    expect(await screen.findByText("No log entries yet.")).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Airflow task log" })).not.toBeInTheDocument();
  });

  it("explains a run that does not exist", async () => {
    server.use(
      http.get(apiPath("/job-runs/42"), () =>
        HttpResponse.json({ error: "EntityNotFoundError", message: "Job run 42 does not exist" }, { status: 404 }),
      ),
    );

    renderRun();

    expect(await screen.findByText("Job run 42 does not exist")).toBeInTheDocument();
  });
});

describe("RunDetailPage and the session", () => {
  const expired = { error: "NotAuthenticated", message: "Log in first" };

  beforeEach(() => {
    server.use(
      http.get(apiPath("/config"), () =>
        HttpResponse.json({ airflow_ui_url: "http://airflow.example:8080/", max_upload_bytes: 1024, version: "1.0.0" }),
      ),
      http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
      http.get(apiPath("/jobs/7"), () => HttpResponse.json(job())),
      http.get(apiPath("/credentials/:id"), ({ params }) => HttpResponse.json(credential({ id: Number(params.id) }))),
    );
  });
  afterEach(() => setSessionExpiredHandler(null));

  it("shows a viewer the live run without Cancel or Run again", async () => {
    const running = jobRun({ status: "RUNNING", started_at: "2026-11-23T12:00:01Z" });
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(running)),
      sse<RunStream>(apiPath("/job-runs/42/stream"), ({ client }) => {
        client.send({ event: "snapshot", id: "1", data: running });
      }),
    );
    renderWithApp(<RunDetailPage />, { path: "/runs/:runId", url: "/runs/42", currentUser: viewer() });

    expect(await screen.findByText("Live")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Cancel/ })).not.toBeInTheDocument();
    expect(screen.queryByTestId("rerun-button")).not.toBeInTheDocument();
  });

  it("stops following and goes to login when the stream is refused after the session ended", async () => {
    const running = jobRun({ status: "RUNNING", started_at: "2026-11-23T12:00:01Z" });
    const sessionExpired = vi.fn();
    setSessionExpiredHandler(sessionExpired);
    let streams = 0;
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(running)),
      // The logout already happened: the browser's (re)connection meets 401 and gives up.
      http.get(apiPath("/job-runs/42/stream"), () => {
        streams += 1;
        return HttpResponse.json(expired, { status: 401 });
      }),
      http.get(apiPath("/auth/me"), () => HttpResponse.json(expired, { status: 401 })),
      http.post(apiPath("/auth/refresh"), () => HttpResponse.json(expired, { status: 401 })),
    );
    renderWithApp(<RunDetailPage />, { path: "/runs/:runId", url: "/runs/42", currentUser: userFixture() });

    await waitFor(() => expect(sessionExpired).toHaveBeenCalledTimes(1));
    expect(streams).toBe(1);
  });

  it("opens the stream again when the session was only due for a refresh", async () => {
    const running = jobRun({ status: "RUNNING", started_at: "2026-11-23T12:00:01Z" });
    let streams = 0;
    let refreshed = false;
    server.use(
      http.get(apiPath("/job-runs/42"), () => HttpResponse.json(running)),
      // The access cookie expired: the first connection is refused (401), the browser gives up.
      http.get(
        apiPath("/job-runs/42/stream"),
        () => {
          streams += 1;
          return HttpResponse.json(expired, { status: 401 });
        },
        { once: true },
      ),
      sse<RunStream>(apiPath("/job-runs/42/stream"), ({ client }) => {
        streams += 1;
        client.send({ event: "snapshot", id: "1", data: { ...running, rows_staged: 777 } });
      }),
      http.get(apiPath("/auth/me"), () =>
        refreshed ? HttpResponse.json(userFixture()) : HttpResponse.json(expired, { status: 401 }),
      ),
      http.post(apiPath("/auth/refresh"), () => {
        refreshed = true;
        return HttpResponse.json({});
      }),
    );
    renderWithApp(<RunDetailPage />, { path: "/runs/:runId", url: "/runs/42", currentUser: userFixture() });

    expect(await screen.findByText("777")).toBeInTheDocument();
    expect(streams).toBe(2);
    expect(refreshed).toBe(true);
  });
});
