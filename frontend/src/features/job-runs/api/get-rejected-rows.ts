import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";

import { api, apiUrl } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { Page, PageParams, RejectedRowRead } from "@/types/api";

export async function getRejectedRows(runId: number, params: PageParams): Promise<Page<RejectedRowRead>> {
  const { data } = await api.get<Page<RejectedRowRead>>(`/job-runs/${runId}/rejected-rows`, { params });
  return data;
}

export function getRejectedRowsQueryOptions(runId: number, params: PageParams = {}) {
  return queryOptions({
    queryKey: queryKeys.runs.rejectedRows(runId, params),
    queryFn: () => getRejectedRows(runId, params),
    placeholderData: keepPreviousData,
  });
}

export function useRejectedRows(runId: number, params: PageParams = {}) {
  return useQuery(getRejectedRowsQueryOptions(runId, params));
}

/** Every rejected row as CSV (formula-escaped by the server), for a plain download link. */
export function rejectedRowsCsvUrl(runId: number): string {
  return apiUrl(`/job-runs/${runId}/rejected-rows.csv`);
}
