import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { Page, ScheduleRead } from "@/types/api";

export type ScheduleListParams = { job_id?: number; limit?: number };

export async function getSchedules(params: ScheduleListParams): Promise<Page<ScheduleRead>> {
  const { data } = await api.get<Page<ScheduleRead>>("/schedules", { params });
  return data;
}

export function getSchedulesQueryOptions(params: ScheduleListParams = {}) {
  return queryOptions({
    queryKey: queryKeys.schedules.list(params),
    queryFn: () => getSchedules(params),
    // Next and last runs move with the clock.
    refetchInterval: 60_000,
  });
}

export function useSchedules(params: ScheduleListParams = {}) {
  return useQuery(getSchedulesQueryOptions(params));
}
