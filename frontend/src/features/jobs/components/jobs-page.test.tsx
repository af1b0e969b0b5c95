import { screen, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { JobsPage } from "@/features/jobs/components/jobs-page";
import { job, jobRun, viewer } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

describe("JobsPage", () => {
  it("lists jobs with their destination table and strategy", async () => {
    server.use(
      http.get(apiPath("/jobs"), () =>
        HttpResponse.json({
          items: [
            job({ id: 7, name: "Load sales", description: "Nightly sales", strategy: "UPSERT", upsert_keys: ["id"] }),
            job({ id: 8, name: "Load stock", target_table: "stock", strategy: "TRUNCATE_INSERT" }),
          ],
          total: 2,
        }),
      ),
    );

    renderWithApp(<JobsPage />, { path: "/jobs" });

    const sales = (await screen.findByRole("link", { name: "Load sales" })).closest("tr")!;
    expect(within(sales).getByText("Nightly sales")).toBeInTheDocument();
    expect(within(sales).getByText("Upsert")).toBeInTheDocument();
    expect(within(sales).getByText("main.sales")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Load stock" })).toHaveAttribute("href", "/jobs/8");
    expect(within(screen.getByRole("link", { name: "Load stock" }).closest("tr")!).getByText("Replace")).toBeInTheDocument();
  });

  it("executes a job and opens its run", async () => {
    server.use(
      http.get(apiPath("/jobs"), () => HttpResponse.json({ items: [job({ id: 7, name: "Load sales" })], total: 1 })),
      http.post(apiPath("/jobs/execute/7"), () => HttpResponse.json(jobRun({ id: 42 }), { status: 202 })),
    );
    const { user, router } = renderWithApp(<JobsPage />, {
      path: "/jobs",
      routes: [{ path: "/runs/:runId", element: <p>run page</p> }],
    });

    await user.click(await screen.findByRole("button", { name: "Execute Load sales" }));

    expect(await screen.findByText("run page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/runs/42");
  });

  it("tells why a run could not start", async () => {
    server.use(
      http.get(apiPath("/jobs"), () => HttpResponse.json({ items: [job({ id: 7, name: "Load sales" })], total: 1 })),
      http.post(apiPath("/jobs/execute/7"), () =>
        HttpResponse.json(
          { error: "AirflowUnavailableError", message: "Airflow is not reachable at http://127.0.0.1:8080" },
          { status: 503 },
        ),
      ),
    );
    const { user, router } = renderWithApp(<JobsPage />, { path: "/jobs" });

    await user.click(await screen.findByRole("button", { name: "Execute Load sales" }));

    expect(await screen.findByText("Could not start Load sales")).toBeInTheDocument();
    expect(screen.getByText("Airflow is not reachable at http://127.0.0.1:8080")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/jobs");
  });

  it("points a new user at the upload when there are no jobs", async () => {
    server.use(http.get(apiPath("/jobs"), () => HttpResponse.json({ items: [], total: 0 })));

    renderWithApp(<JobsPage />, { path: "/jobs" });

    expect(await screen.findByText("No jobs yet")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Upload a CSV" })).toHaveAttribute("href", "/upload");
  });

  it("shows the API's error when the jobs cannot be listed", async () => {
    server.use(
      http.get(apiPath("/jobs"), () =>
        HttpResponse.json({ error: "DatabaseError", message: "The app database is not reachable" }, { status: 500 }),
      ),
    );

    renderWithApp(<JobsPage />, { path: "/jobs" });

    expect(await screen.findByText("The app database is not reachable")).toBeInTheDocument();
  });
});

describe("JobsPage for a viewer", () => {
  it("lists the jobs without New job or Execute", async () => {
    server.use(http.get(apiPath("/jobs"), () => HttpResponse.json({ items: [job({ id: 7, name: "Load sales" })], total: 1 })));
    renderWithApp(<JobsPage />, { path: "/jobs", currentUser: viewer() });

    expect(await screen.findByRole("link", { name: "Load sales" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Execute/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "New job" })).not.toBeInTheDocument();
  });
});
