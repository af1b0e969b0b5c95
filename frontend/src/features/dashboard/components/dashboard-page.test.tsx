import { screen, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { DashboardPage } from "@/features/dashboard/components/dashboard-page";
import { jobRun } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { Dashboard } from "@/types/api";

const dashboard: Dashboard = {
  counts_by_status: { PENDING: 1, RUNNING: 2, COMPLETED: 40, COMPLETED_WITH_REJECTS: 3, FAILED: 5, CANCELLED: 0 },
  recent_runs: [
    jobRun({ id: 50, status: "FAILED", job_name: "Load stock" }),
    jobRun({ id: 49, status: "COMPLETED", rows_loaded: 125_000, duration_seconds: 42 }),
  ],
  rows_per_day: [
    { date: "2026-11-22", rows: 1_000_000 },
    { date: "2026-11-23", rows: 250_000 },
  ],
  running: [jobRun({ id: 51, status: "RUNNING", rows_loaded: 4_000, progress_percent: 40, eta_seconds: 65 })],
};

function serve(body: Dashboard = dashboard) {
  server.use(
    http.get(apiPath("/dashboard"), () => HttpResponse.json(body)),
    http.get(apiPath("/config"), () =>
      HttpResponse.json({ airflow_ui_url: "http://airflow.local:8080", max_upload_bytes: 1024, version: "0.1.0" }),
    ),
  );
}

describe("DashboardPage", () => {
  it("counts runs by status, each count opening the filtered history", async () => {
    serve();
    renderWithApp(<DashboardPage />);

    const tiles = await screen.findByRole("list", { name: "Runs by status" });
    const running = within(tiles).getByRole("link", { name: /Running/ });
    expect(running).toHaveTextContent("3");
    expect(running).toHaveAttribute("href", "/runs?status=RUNNING");
    expect(within(tiles).getByRole("link", { name: /Completed/ })).toHaveTextContent("40");
    expect(within(tiles).getByRole("link", { name: /Failed/ })).toHaveAttribute("href", "/runs?status=FAILED");
  });

  it("shows what runs now, the latest runs and rows loaded per day", async () => {
    serve();
    renderWithApp(<DashboardPage />);

    const now = await screen.findByRole("list", { name: "Running now" });
    expect(within(now).getByRole("link", { name: "Load sales #51" })).toHaveAttribute("href", "/runs/51");
    expect(within(now).getByText("4,000 rows loaded · 1m 5s left")).toBeInTheDocument();
    expect(within(now).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "40");

    const recent = screen.getByRole("link", { name: "#49" }).closest("tr")!;
    expect(within(recent).getByText("125,000")).toBeInTheDocument();
    expect(within(recent).getByText("42s")).toBeInTheDocument();

    expect(await screen.findByText("1,250,000 rows loaded in the last 2 days")).toBeInTheDocument();
    const perDay = screen.getByRole("table", { name: "Rows loaded per day" });
    expect(within(perDay).getByRole("row", { name: "2026-11-22 1000000" })).toBeInTheDocument();
  });

  it("links to the Airflow UI the backend is configured with", async () => {
    serve();
    renderWithApp(<DashboardPage />);

    const link = await screen.findByRole("link", { name: "Airflow UI" });
    expect(link).toHaveAttribute("href", "http://airflow.local:8080");
    expect(link).toHaveAttribute("target", "_blank");
  });

  it("invites a first upload when nothing has run", async () => {
    serve({
      counts_by_status: {},
      recent_runs: [],
      rows_per_day: [{ date: "2026-11-23", rows: 0 }],
      running: [],
    });
    renderWithApp(<DashboardPage />);

    expect(await screen.findByText("Nothing is loading.")).toBeInTheDocument();
    expect(screen.getByText(/No runs yet/)).toBeInTheDocument();
    expect(within(screen.getByRole("list", { name: "Runs by status" })).getAllByText("0")).toHaveLength(5);
  });

  it("shows the API's error with a retry", async () => {
    server.use(
      http.get(apiPath("/dashboard"), () =>
        HttpResponse.json({ error: "DatabaseUnavailable", message: "The app database is not reachable" }, { status: 503 }),
      ),
      http.get(apiPath("/config"), () =>
        HttpResponse.json({ airflow_ui_url: "http://airflow.local:8080", max_upload_bytes: 1024, version: "0.1.0" }),
      ),
    );
    renderWithApp(<DashboardPage />);

    expect(await screen.findByText("The app database is not reachable")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
