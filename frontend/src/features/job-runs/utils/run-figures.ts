import { formatNumber } from "@/lib/format";
import { ACTIVE_RUN_STATUSES, type JobRunStatus } from "@/types/api";

export function isActive(status: JobRunStatus): boolean {
  return ACTIVE_RUN_STATUSES.includes(status);
}

export function formatRate(rowsPerSecond: number | null | undefined): string {
  if (rowsPerSecond == null || rowsPerSecond <= 0) return "—";
  return `${formatNumber(Math.round(rowsPerSecond))}/s`;
}
