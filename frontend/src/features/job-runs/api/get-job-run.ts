import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobRunRead } from "@/types/api";

export async function getJobRun(runId: number): Promise<JobRunRead> {
  const { data } = await api.get<JobRunRead>(`/job-runs/${runId}`);
  return data;
}

/** The run's live counters arrive over the stream (use-job-run-stream), which writes into this cache entry. */
export function getJobRunQueryOptions(runId: number) {
  return queryOptions({
    queryKey: queryKeys.runs.detail(runId),
    queryFn: () => getJobRun(runId),
  });
}

export function useJobRun(runId: number) {
  return useQuery(getJobRunQueryOptions(runId));
}
