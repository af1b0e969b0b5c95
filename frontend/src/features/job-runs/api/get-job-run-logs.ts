import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobRunEvent } from "@/types/api";

/** The run's log lines, without the progress snapshots a long run writes every second. */
export async function getJobRunLogs(runId: number): Promise<JobRunEvent[]> {
  const { data } = await api.get<JobRunEvent[]>(`/job-runs/${runId}/logs`, { params: { kind: "log" } });
  return data;
}

export function getJobRunLogsQueryOptions(runId: number) {
  return queryOptions({
    queryKey: queryKeys.runs.logs(runId),
    queryFn: () => getJobRunLogs(runId),
  });
}

export function useJobRunLogs(runId: number, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...getJobRunLogsQueryOptions(runId), enabled });
}
