// Builders for the run-log and schedule bodies (fixtures.ts has files, credentials, jobs and runs).
import type { JobRunEvent, ScheduleRead } from "@/types/api";

export function logEvent(overrides: Partial<JobRunEvent> = {}): JobRunEvent {
  return {
    id: 1,
    job_run_id: 42,
    job_run_table_id: null,
    created_at: "2026-11-23T12:00:03Z",
    kind: "log",
    level: "info",
    message: "batch_written",
    data: { rows: 500 },
    ...overrides,
  };
}

export function schedule(overrides: Partial<ScheduleRead> = {}): ScheduleRead {
  return {
    id: 3,
    job_id: 7,
    cron_expression: "0 9 * * 1",
    timezone: "UTC",
    enabled: true,
    enabled_at: "2026-11-23T12:00:00Z",
    disable_after_failures: 3,
    disabled_reason: null,
    description: "At 09:00, only on Monday",
    next_runs: ["2026-11-30T09:00:00+00:00", "2026-12-07T09:00:00+00:00"],
    last_run: null,
    dag_id: "etl_job_7_schedule_3",
    created_at: "2026-11-23T12:00:00Z",
    updated_at: "2026-11-23T12:00:00Z",
    ...overrides,
  };
}
