import type { JobRunStatus, JobRunTableRead, JobRunRead, SchemaDrift } from "@/types/api";

const DONE: readonly JobRunStatus[] = ["COMPLETED", "COMPLETED_WITH_REJECTS", "NOTHING_TO_LOAD"];

export function tableIsDone(table: Pick<JobRunTableRead, "status">): boolean {
  return DONE.includes(table.status);
}

/** Tables of a run that did not complete: the ones "Retry failed tables" loads again. */
export function unfinishedTables(run: JobRunRead): JobRunTableRead[] {
  return (run.tables ?? []).filter((table) => !tableIsDone(table));
}

/** A table run's progress in percent: done is 100, not started or failed 0; running, its bytes read of
 * the total when known (table events carry the counters as they come), else the server's estimate. */
export function tablePercent(table: JobRunTableRead): number {
  if (tableIsDone(table)) return 100;
  if (table.status !== "RUNNING") return 0;
  if (table.bytes_total > 0) return Math.min(100, Math.round((table.bytes_read / table.bytes_total) * 100));
  return Math.round(table.progress_percent);
}

/** A drift diff in words, one line per change. */
export function driftLines(drift: SchemaDrift): string[] {
  return [
    ...(drift.added ?? []).map((column) => `Added: ${column.name} (${column.type})`),
    ...(drift.removed ?? []).map((name) => `Removed: ${name}`),
    ...(drift.renamed ?? []).map((change) => `Renamed? ${change.from} → ${change.to}`),
    ...(drift.type_changed ?? []).map((change) => `Type changed: ${change.name} ${change.from} → ${change.to}`),
  ];
}
