import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { Dashboard } from "@/types/api";

export async function getDashboard(): Promise<Dashboard> {
  const { data } = await api.get<Dashboard>("/dashboard");
  return data;
}

/** Refreshes every few seconds while something runs, every half minute otherwise. */
export function getDashboardQueryOptions() {
  return queryOptions({
    queryKey: queryKeys.dashboard(),
    queryFn: getDashboard,
    refetchInterval: (query) => ((query.state.data?.running.length ?? 0) > 0 ? 3000 : 30_000),
  });
}

export function useDashboard() {
  return useQuery(getDashboardQueryOptions());
}
