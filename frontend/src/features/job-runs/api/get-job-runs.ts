import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import { ACTIVE_RUN_STATUSES, type JobRunListParams, type JobRunRead, type Page } from "@/types/api";

/** How often the history refreshes while one of the listed runs is still pending or running. */
export const ACTIVE_RUNS_REFRESH_MS = 3000;

export async function getJobRuns(params: JobRunListParams): Promise<Page<JobRunRead>> {
  const { data } = await api.get<Page<JobRunRead>>("/job-runs", { params });
  return data;
}

export function getJobRunsQueryOptions(params: JobRunListParams = {}) {
  return queryOptions({
    queryKey: queryKeys.runs.list(params),
    queryFn: () => getJobRuns(params),
    refetchInterval: (query) =>
      query.state.data?.items.some((run) => ACTIVE_RUN_STATUSES.includes(run.status)) ? ACTIVE_RUNS_REFRESH_MS : false,
  });
}

export function useJobRuns(params: JobRunListParams = {}) {
  return useQuery(getJobRunsQueryOptions(params));
}
