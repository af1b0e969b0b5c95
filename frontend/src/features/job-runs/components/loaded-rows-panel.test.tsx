import { screen, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { RunDetailPage } from "@/features/job-runs/components/run-detail-page";
import { job, jobRun } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { JobRunStatus, LoadedRows } from "@/types/api";

const COLUMNS = [
  { name: "payment_id", type: "BIGINT" },
  { name: "amount", type: "DECIMAL(10,2)" },
];

function page(offset: number, total: number): LoadedRows {
  const count = Math.min(50, total - offset);
  const rows = Array.from({ length: count }, (_, i) => [offset + i + 1, i === 1 ? null : `${offset + i + 1}.50`]);
  return { schema: "main", table: "payments", columns: COLUMNS, rows, total_rows: total };
}

function serveRun(status: JobRunStatus) {
  server.use(
    http.get(apiPath("/config"), () =>
      HttpResponse.json({ airflow_ui_url: "http://airflow.example:8080/", max_upload_bytes: 1024, version: "1.0.0" }),
    ),
    http.get(apiPath("/job-runs/42"), () => HttpResponse.json(jobRun({ status, progress_percent: 100 }))),
    http.get(apiPath("/job-runs/42/logs"), () => HttpResponse.json([])),
    http.get(apiPath("/jobs/7"), () => HttpResponse.json(job())),
  );
}

function renderRun() {
  return renderWithApp(<RunDetailPage />, { path: "/runs/:runId", url: "/runs/42" });
}

describe("Loaded data on the run page", () => {
  it("shows the target table's typed rows and row count, a page at a time", async () => {
    serveRun("COMPLETED");
    const requests: string[] = [];
    server.use(
      http.get(apiPath("/job-runs/42/loaded-rows"), ({ request }) => {
        const params = new URL(request.url).searchParams;
        requests.push(`${params.get("offset")}/${params.get("limit")}`);
        return HttpResponse.json(page(Number(params.get("offset")), 51));
      }),
    );
    const { user } = renderRun();

    await user.click(await screen.findByRole("tab", { name: "Loaded data" }));
    expect(await screen.findByText(/51 rows; showing 1–50/)).toBeInTheDocument();
    const table = screen.getByRole("table", { name: "Rows of main.payments" });
    expect(within(table).getByRole("columnheader", { name: "payment_id BIGINT" })).toBeInTheDocument();
    const cells = within(table)
      .getAllByRole("row")
      .slice(1, 3)
      .map((row) => within(row).getAllByRole("cell").map((cell) => cell.textContent));
    expect(cells).toEqual([
      ["1", "1.50"],
      ["2", "null"],
    ]);

    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText(/51 rows; showing 51–51/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    expect(requests).toEqual(["0/50", "50/50"]);
  });

  it("says when the destination cannot be read, and when the table is empty", async () => {
    serveRun("COMPLETED_WITH_REJECTS");
    let reachable = false;
    server.use(
      http.get(apiPath("/job-runs/42/loaded-rows"), () =>
        reachable
          ? HttpResponse.json({ ...page(0, 0), rows: [] })
          : HttpResponse.json(
              { error: "DestinationUnreachable", message: "cannot open DuckDB file dw.duckdb: locked" },
              { status: 502 },
            ),
      ),
    );
    const { user } = renderRun();

    await user.click(await screen.findByRole("tab", { name: "Loaded data" }));
    expect(await screen.findByText("Could not read the loaded rows")).toBeInTheDocument();
    expect(screen.getByText(/cannot open DuckDB file dw.duckdb: locked/)).toBeInTheDocument();
    reachable = true;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("The table is empty")).toBeInTheDocument();
  });

  it.each(["FAILED", "CANCELLED"] as const)("is not offered for a %s run", async (status) => {
    serveRun(status);
    renderRun();
    expect(await screen.findByRole("tab", { name: "Logs" })).toBeInTheDocument();
    expect(screen.queryByRole("tab", { name: "Loaded data" })).not.toBeInTheDocument();
  });
});
