import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobRead, Page } from "@/types/api";

const PARAMS = { limit: 500 };

/** Every job, for pickers and filters (schedules, run history). */
export async function getJobChoices(): Promise<Page<JobRead>> {
  const { data } = await api.get<Page<JobRead>>("/jobs", { params: PARAMS });
  return data;
}

export function getJobChoicesQueryOptions() {
  return queryOptions({ queryKey: queryKeys.jobs.list(PARAMS), queryFn: getJobChoices });
}

export function useJobChoices() {
  return useQuery(getJobChoicesQueryOptions());
}
