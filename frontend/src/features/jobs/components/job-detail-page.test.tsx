import { screen, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { JobDetailPage } from "@/features/jobs/components/job-detail-page";
import { credential, job, jobRun, operator, viewer } from "@/testing/fixtures";
import { schedule } from "@/testing/monitoring-fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

const upsertJob = job({
  id: 7,
  name: "Load sales",
  credential_id: 2,
  strategy: "UPSERT",
  upsert_keys: ["id"],
  reject_threshold_percent: 5,
  mappings: [
    { id: 1, position: 0, source_column: "id", target_column: "id", target_type: "BIGINT", include: true, transforms: [], expression: null },
    {
      id: 2,
      position: 1,
      source_column: "customer_name",
      target_column: "customer",
      target_type: "TEXT",
      include: true,
      transforms: [{ type: "trim" }, { type: "replace", old: "Ltd", new: "Limited" }],
      expression: null,
    },
    { id: 3, position: 2, source_column: "note", target_column: "note", target_type: "TEXT", include: false, transforms: [], expression: null },
    { id: 4, position: 3, source_column: null, target_column: "total", target_type: "NUMERIC", include: true, transforms: [], expression: "amount * 2" },
  ],
});

function serveJob(overrides: { runs?: ReturnType<typeof jobRun>[] } = {}) {
  server.use(
    http.get(apiPath("/jobs/7"), () => HttpResponse.json(upsertJob)),
    http.get(apiPath("/credentials/2"), () =>
      HttpResponse.json(credential({ id: 2, name: "Analytics DB", kind: "postgres", is_builtin: false })),
    ),
    http.get(apiPath("/job-runs"), ({ request }) => {
      expect(new URL(request.url).searchParams.get("job_id")).toBe("7");
      const items = overrides.runs ?? [jobRun({ id: 42, status: "COMPLETED", rows_loaded: 120, duration_seconds: 4 })];
      return HttpResponse.json({ items, total: items.length });
    }),
    http.get(apiPath("/schedules"), () => HttpResponse.json({ items: [schedule({ job_id: 7 })], total: 1 })),
  );
}

function renderJob() {
  return renderWithApp(<JobDetailPage />, {
    path: "/jobs/:jobId",
    url: "/jobs/7",
    routes: [
      { path: "/runs/:runId", element: <p>run page</p> },
      { path: "/jobs", element: <p>jobs page</p> },
    ],
  });
}

describe("JobDetailPage", () => {
  it("says in plain words what a run does, where it loads and how columns map", async () => {
    serveJob();
    renderJob();

    expect(await screen.findByRole("heading", { name: "Load sales" })).toBeInTheDocument();
    expect(screen.getByText(/Updates rows whose id already exists and adds the others/)).toBeInTheDocument();
    expect(await screen.findByText("on Analytics DB (postgres)")).toBeInTheDocument();
    expect(screen.getByText("Fails above 5% rejected")).toBeInTheDocument();
    expect(screen.getByText("3 of 4 columns loaded")).toBeInTheDocument();
    expect(screen.getByText('trim → replace("Ltd", "Limited")')).toBeInTheDocument();
    expect(screen.getByText("= amount * 2")).toBeInTheDocument();
    expect(screen.getByText("(excluded)")).toBeInTheDocument();
  });

  it("shows the job's recent runs and schedules with a way to add one", async () => {
    serveJob();
    renderJob();

    const runs = await screen.findByRole("list", { name: "Recent runs" });
    expect(within(runs).getByRole("link", { name: "#42" })).toHaveAttribute("href", "/runs/42");
    expect(within(runs).getByText(/120 rows/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "All runs" })).toHaveAttribute("href", "/runs?job_id=7");
    const schedules = await screen.findByRole("list", { name: "Schedules" });
    expect(within(schedules).getByText("At 09:00, only on Monday")).toBeInTheDocument();
    // On the schedule's own clock, with its zone.
    expect(schedules).toHaveTextContent("(UTC) · next Mon, 30 Nov 2026, 09:00 UTC");
    expect(screen.getByRole("link", { name: "Add schedule" })).toHaveAttribute("href", "/schedules?job_id=7&new=1");
  });

  it("executes the job and opens the new run", async () => {
    serveJob();
    server.use(http.post(apiPath("/jobs/execute/7"), () => HttpResponse.json(jobRun({ id: 43 }), { status: 202 })));
    const { user, router } = renderJob();

    await user.click(await screen.findByRole("button", { name: "Execute Load sales" }));

    expect(await screen.findByText("run page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/runs/43");
  });

  it("deletes the job after confirmation and goes back to the list", async () => {
    serveJob();
    let deleted = false;
    server.use(
      http.delete(apiPath("/jobs/7"), () => {
        deleted = true;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user, router } = renderJob();

    await user.click(await screen.findByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("alertdialog");
    await user.click(within(dialog).getByRole("button", { name: "Delete" }));

    expect(await screen.findByText("jobs page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/jobs");
    expect(deleted).toBe(true);
  });

  it("explains a job that does not exist", async () => {
    server.use(
      http.get(apiPath("/jobs/7"), () =>
        HttpResponse.json({ error: "EntityNotFoundError", message: "Job 7 does not exist" }, { status: 404 }),
      ),
    );
    renderJob();

    expect(await screen.findByText("Job 7 does not exist")).toBeInTheDocument();
  });
});

describe("JobDetailPage by role", () => {
  it("shows a viewer the job and its runs, but no action that changes or runs it", async () => {
    serveJob();
    renderWithApp(<JobDetailPage />, { path: "/jobs/:jobId", url: "/jobs/7", currentUser: viewer() });

    expect(await screen.findByRole("heading", { name: "Load sales" })).toBeInTheDocument();
    expect(await screen.findByRole("list", { name: "Recent runs" })).toBeInTheDocument();
    for (const name of [/Execute/, "Clone", "Delete", /Replace/]) {
      expect(screen.queryByRole("button", { name })).not.toBeInTheDocument();
    }
    expect(screen.queryByTestId("edit-job-button")).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Add schedule" })).not.toBeInTheDocument();
  });

  it("gives an operator every job action", async () => {
    serveJob();
    renderWithApp(<JobDetailPage />, { path: "/jobs/:jobId", url: "/jobs/7", currentUser: operator() });

    expect(await screen.findByRole("button", { name: "Execute Load sales" })).toBeInTheDocument();
    expect(screen.getByTestId("edit-job-button")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Delete" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Add schedule" })).toBeInTheDocument();
  });
});
