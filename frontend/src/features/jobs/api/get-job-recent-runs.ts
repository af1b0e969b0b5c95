import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import { ACTIVE_RUN_STATUSES, type JobRunRead, type Page } from "@/types/api";

const RECENT = 5;

export async function getJobRecentRuns(jobId: number): Promise<Page<JobRunRead>> {
  const { data } = await api.get<Page<JobRunRead>>("/job-runs", { params: { job_id: jobId, limit: RECENT } });
  return data;
}

/** The job page's last few runs, polled while one of them is still going. */
export function getJobRecentRunsQueryOptions(jobId: number) {
  return queryOptions({
    queryKey: queryKeys.runs.list({ job_id: jobId, limit: RECENT }),
    queryFn: () => getJobRecentRuns(jobId),
    refetchInterval: (query) =>
      query.state.data?.items.some((run) => ACTIVE_RUN_STATUSES.includes(run.status)) ? 3000 : false,
  });
}

export function useJobRecentRuns(jobId: number) {
  return useQuery(getJobRecentRunsQueryOptions(jobId));
}
