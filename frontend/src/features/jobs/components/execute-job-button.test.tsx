import { screen, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { ExecuteJobButton } from "@/features/jobs/components/execute-job-button";
import { job, jobRun } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

function renderButton(overrides: Parameters<typeof job>[0] = {}) {
  return renderWithApp(<ExecuteJobButton job={job({ id: 7, name: "Load sales", ...overrides })} />, {
    path: "/jobs/7",
    url: "/jobs/7",
    routes: [{ path: "/runs/:runId", element: <p>run page</p> }],
  });
}

describe("ExecuteJobButton", () => {
  it("shows the run in progress, with a link to it, when the job is already running", async () => {
    let executes = 0;
    server.use(
      http.post(apiPath("/jobs/execute/7"), () => {
        executes += 1;
        return HttpResponse.json(
          {
            error: "JobAlreadyRunning",
            message: "Job 7 already has run 41 RUNNING",
            details: { job_id: 7, active_run_id: 41, active_run_status: "RUNNING" },
          },
          { status: 409 },
        );
      }),
    );
    const { user, router } = renderButton();

    await user.click(screen.getByRole("button", { name: "Execute Load sales" }));

    const dialog = await screen.findByRole("alertdialog", { name: "Load sales is already running" });
    expect(dialog).toHaveTextContent("Run #41 is running. This job runs one at a time, so no new run was started.");
    await user.click(within(dialog).getByRole("link", { name: "Open run #41" }));
    expect(await screen.findByText("run page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/runs/41");
    expect(executes).toBe(1);
  });

  it("asks before starting another run of a job that allows overlapping runs, saying what it does", async () => {
    let executes = 0;
    server.use(
      http.get(apiPath("/job-runs"), () =>
        HttpResponse.json({ items: [jobRun({ id: 41, job_id: 7, status: "RUNNING" })], total: 1 }),
      ),
      http.post(apiPath("/jobs/execute/7"), () => {
        executes += 1;
        return HttpResponse.json(jobRun({ id: 42 }), { status: 202 });
      }),
    );
    const { user, router } = renderButton({ allow_concurrent_runs: true, strategy: "INSERT" });

    await user.click(screen.getByRole("button", { name: "Execute Load sales" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Start another run of Load sales?" });
    expect(dialog).toHaveTextContent(
      "Run #41 is still running. The job allows overlapping runs; with Append, each run appends the file's rows again, so the table gets them once per run.",
    );
    expect(executes).toBe(0);

    await user.click(within(dialog).getByRole("button", { name: "Start another run" }));
    expect(await screen.findByText("run page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/runs/42");
    expect(executes).toBe(1);
  });

  it("starts a job that allows overlapping runs at once when none is going", async () => {
    server.use(
      http.get(apiPath("/job-runs"), () =>
        HttpResponse.json({ items: [jobRun({ id: 41, job_id: 7, status: "COMPLETED" })], total: 1 }),
      ),
      http.post(apiPath("/jobs/execute/7"), () => HttpResponse.json(jobRun({ id: 42 }), { status: 202 })),
    );
    const { user, router } = renderButton({ allow_concurrent_runs: true });

    await user.click(screen.getByRole("button", { name: "Execute Load sales" }));

    expect(await screen.findByText("run page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/runs/42");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
  });
});
