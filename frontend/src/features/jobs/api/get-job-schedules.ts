import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { Page, ScheduleRead } from "@/types/api";

export async function getJobSchedules(jobId: number): Promise<Page<ScheduleRead>> {
  const { data } = await api.get<Page<ScheduleRead>>("/schedules", { params: { job_id: jobId } });
  return data;
}

export function getJobSchedulesQueryOptions(jobId: number) {
  return queryOptions({
    queryKey: queryKeys.schedules.list({ job_id: jobId }),
    queryFn: () => getJobSchedules(jobId),
  });
}

export function useJobSchedules(jobId: number) {
  return useQuery(getJobSchedulesQueryOptions(jobId));
}
