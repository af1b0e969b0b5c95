import { tablePercent, unfinishedTables } from "@/features/job-runs/utils/table-runs";
import { jobRun } from "@/testing/fixtures";
import type { JobRunTableRead } from "@/types/api";

function table(overrides: Partial<JobRunTableRead>): JobRunTableRead {
  return {
    id: 1,
    job_table_id: 1,
    position: 0,
    source_name: "public.t",
    target_name: "main.t",
    status: "RUNNING",
    attempt: 1,
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

describe("table runs", () => {
  it("measures a running table by its bytes when known, else by the server's percent", () => {
    expect(tablePercent(table({ bytes_read: 250, bytes_total: 1000, progress_percent: 10 }))).toBe(25);
    expect(tablePercent(table({ progress_percent: 42.4 }))).toBe(42);
    expect(tablePercent(table({ status: "PENDING", progress_percent: 50 }))).toBe(0);
    expect(tablePercent(table({ status: "FAILED", bytes_read: 900, bytes_total: 1000 }))).toBe(0);
    expect(tablePercent(table({ status: "NOTHING_TO_LOAD" }))).toBe(100);
  });

  it("counts every table that did not end completed, with rejects or with nothing to load as unfinished", () => {
    const run = jobRun({
      tables: [
        table({ id: 1, status: "COMPLETED" }),
        table({ id: 2, status: "COMPLETED_WITH_REJECTS" }),
        table({ id: 3, status: "NOTHING_TO_LOAD" }),
        table({ id: 4, status: "FAILED" }),
        table({ id: 5, status: "CANCELLED" }),
      ],
    });
    expect(unfinishedTables(run).map((t) => t.id)).toEqual([4, 5]);
  });
});
