import type { JobRunStatus, JobRunTableRead, JobRunRead, SchemaDrift } from "@/types/api";

const DONE: readonly JobRunStatus[] = ["COMPLETED", "COMPLETED_WITH_REJECTS", "NOTHING_TO_LOAD"];

export function tableIsDone(table: Pick<JobRunTableRead, "status">): boolean {
  return DONE.includes(table.status);
}

/** Tables of a run that did not complete: the ones "Retry failed tables" loads again. */
export function unfinishedTables(run: JobRunRead): JobRunTableRead[] {
  return (run.tables ?? []).filter((table) => !tableIsDone(table));
}

/** A table run's progress in percent: bytes when the source knows its size; done is 100, failed 0. */
export function tablePercent(table: JobRunTableRead): number {
  if (tableIsDone(table)) return 100;
  if (table.status !== "RUNNING" || table.bytes_total <= 0) return 0;
  return Math.min(100, Math.round((table.bytes_read / table.bytes_total) * 100));
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
