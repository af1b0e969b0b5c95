import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { LoadedRows, LoadedRowsParams } from "@/types/api";

/** A page of a completed run's target table, read from its destination now. */
export async function getLoadedRows(runId: number, params: LoadedRowsParams): Promise<LoadedRows> {
  const { data } = await api.get<LoadedRows>(`/job-runs/${runId}/loaded-rows`, { params });
  return data;
}

export function getLoadedRowsQueryOptions(runId: number, params: LoadedRowsParams = {}) {
  return queryOptions({
    // Under the runs' key, so whatever refreshes a run's data refreshes this too.
    queryKey: [...queryKeys.runs.all(), "loaded-rows", runId, params] as const,
    queryFn: () => getLoadedRows(runId, params),
    placeholderData: keepPreviousData,
  });
}

export function useLoadedRows(runId: number, params: LoadedRowsParams = {}) {
  return useQuery(getLoadedRowsQueryOptions(runId, params));
}
