import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { RunsPage } from "@/features/job-runs/components/runs-page";
import { job, jobRun } from "@/testing/fixtures";
import { logEvent } from "@/testing/monitoring-fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

const jobs = { items: [job({ id: 7, name: "Load sales" }), job({ id: 8, name: "Load stock" })], total: 2 };

function serveJobs() {
  server.use(http.get(apiPath("/jobs"), () => HttpResponse.json(jobs)));
}

describe("RunsPage", () => {
  it("lists runs with their status, duration and row counts", async () => {
    serveJobs();
    server.use(
      http.get(apiPath("/job-runs"), () =>
        HttpResponse.json({
          items: [
            jobRun({ id: 43, status: "FAILED", duration_seconds: 75, rows_loaded: 0 }),
            jobRun({ id: 42, status: "COMPLETED", duration_seconds: 3725, rows_loaded: 1_250_000, rows_rejected: 3 }),
          ],
          total: 2,
        }),
      ),
    );

    renderWithApp(<RunsPage />, { path: "/runs" });

    const row = (await screen.findByRole("link", { name: "#42" })).closest("tr")!;
    expect(within(row).getByText("Completed")).toBeInTheDocument();
    expect(within(row).getByText("1h 2m")).toBeInTheDocument();
    expect(within(row).getByText("1,250,000")).toBeInTheDocument();
    const failed = screen.getByRole("link", { name: "#43" }).closest("tr")!;
    expect(within(failed).getByText("Failed")).toBeInTheDocument();
    expect(within(failed).getByText("1m 15s")).toBeInTheDocument();
    expect(screen.getByText("1–2 of 2")).toBeInTheDocument();
  });

  it("filters by job and status through the query string", async () => {
    serveJobs();
    const requested: string[] = [];
    server.use(
      http.get(apiPath("/job-runs"), ({ request }) => {
        const params = new URL(request.url).searchParams;
        requested.push(`${params.get("job_id") ?? "-"}/${params.get("status") ?? "-"}`);
        return HttpResponse.json({ items: [], total: 0 });
      }),
    );
    const { user, router } = renderWithApp(<RunsPage />, { path: "/runs", url: "/runs?job_id=7" });

    expect(await screen.findByText("No runs match these filters")).toBeInTheDocument();
    await user.click(screen.getByRole("combobox", { name: "Status" }));
    await user.click(await screen.findByRole("option", { name: "Failed" }));

    await waitFor(() => expect(requested).toContain("7/FAILED"));
    expect(router.state.location.search).toBe("?job_id=7&status=FAILED");
    expect(requested[0]).toBe("7/-");

    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(requested.at(-1)).toBe("-/-"));
  });

  it("refreshes by itself while a run is active and stops once all are finished", async () => {
    serveJobs();
    let calls = 0;
    server.use(
      http.get(apiPath("/job-runs"), () => {
        calls += 1;
        const status = calls === 1 ? "RUNNING" : "COMPLETED";
        return HttpResponse.json({ items: [jobRun({ id: 42, status, progress_percent: calls === 1 ? 40 : 100 })], total: 1 });
      }),
    );

    renderWithApp(<RunsPage />, { path: "/runs" });

    expect(await screen.findByText("Refreshing while runs are active")).toBeInTheDocument();
    expect(await screen.findByText("Completed", {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.queryByText("Refreshing while runs are active")).not.toBeInTheDocument();
    expect(calls).toBe(2);
  });

  it("shows a run's logs and copies them", async () => {
    serveJobs();
    server.use(
      http.get(apiPath("/job-runs"), () => HttpResponse.json({ items: [jobRun({ id: 42, status: "COMPLETED" })], total: 1 })),
      http.get(apiPath("/job-runs/42/logs"), ({ request }) =>
        new URL(request.url).searchParams.get("kind") !== "log"
          ? HttpResponse.json({ error: "Test", message: "the viewer asks for log lines only" }, { status: 400 })
          : HttpResponse.json([
          logEvent({ id: 1, message: "run_started", data: null }),
          logEvent({ id: 2, level: "warning", message: "rows_rejected", data: { count: 3 } }),
        ]),
      ),
    );
    const { user } = renderWithApp(<RunsPage />, { path: "/runs" });

    await user.click(await screen.findByRole("button", { name: "Logs of run #42" }));
    const dialog = await screen.findByRole("dialog", { name: "Logs of run #42" });
    expect(await within(dialog).findByText("rows_rejected")).toBeInTheDocument();
    expect(within(dialog).getByText("count=3")).toBeInTheDocument();

    await user.click(within(dialog).getByRole("button", { name: "Copy logs" }));
    expect(await within(dialog).findByRole("button", { name: "Copied" })).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe(
      "2026-11-23T12:00:03Z INFO run_started\n2026-11-23T12:00:03Z WARNING rows_rejected count=3",
    );
  });

  it("deletes a finished run after confirmation and shows the API's refusal for others", async () => {
    serveJobs();
    let items = [jobRun({ id: 42, status: "COMPLETED" }), jobRun({ id: 41, status: "FAILED" })];
    server.use(
      http.get(apiPath("/job-runs"), () => HttpResponse.json({ items, total: items.length })),
      http.delete(apiPath("/job-runs/42"), () => {
        items = items.filter((run) => run.id !== 42);
        return new HttpResponse(null, { status: 204 });
      }),
      http.delete(apiPath("/job-runs/41"), () =>
        HttpResponse.json({ error: "ConflictError", message: "JobRun 41 is still referenced" }, { status: 409 }),
      ),
    );
    const { user } = renderWithApp(<RunsPage />, { path: "/runs" });

    await user.click(await screen.findByRole("button", { name: "Delete run #42" }));
    await user.click(await screen.findByRole("button", { name: "Delete" }));
    await waitFor(() => expect(screen.queryByRole("link", { name: "#42" })).not.toBeInTheDocument());
    expect(await screen.findByText("Run #42 deleted")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Delete run #41" }));
    await user.click(await screen.findByRole("button", { name: "Delete" }));
    expect(await screen.findByText("JobRun 41 is still referenced")).toBeInTheDocument();
  });

  it("offers cancel instead of delete for an active run", async () => {
    serveJobs();
    let status: "RUNNING" | "CANCELLED" = "RUNNING";
    server.use(
      http.get(apiPath("/job-runs"), () => HttpResponse.json({ items: [jobRun({ id: 42, status })], total: 1 })),
      http.post(apiPath("/job-runs/42/cancel"), () => {
        status = "CANCELLED";
        return HttpResponse.json(jobRun({ id: 42, status }), { status: 202 });
      }),
    );
    const { user } = renderWithApp(<RunsPage />, { path: "/runs" });

    expect(await screen.findByRole("button", { name: "Cancel run #42" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Delete run #42" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Cancel run #42" }));
    const dialog = await screen.findByRole("alertdialog", { name: /Cancel run #42/ });
    expect(dialog).toHaveTextContent("everything this run wrote is rolled back");
    await user.click(within(dialog).getByRole("button", { name: "Cancel run" }));

    expect(await screen.findByRole("button", { name: "Delete run #42" })).toBeInTheDocument();
    expect(screen.getByText("Cancelled")).toBeInTheDocument();
  });

  it("says so when there are no runs at all", async () => {
    serveJobs();
    server.use(http.get(apiPath("/job-runs"), () => HttpResponse.json({ items: [], total: 0 })));

    renderWithApp(<RunsPage />, { path: "/runs" });

    expect(await screen.findByText("No runs yet")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Go to jobs" })).toHaveAttribute("href", "/jobs");
  });
});
