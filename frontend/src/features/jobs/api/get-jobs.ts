import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobRead, Page, PageParams } from "@/types/api";

export async function getJobs(params: PageParams): Promise<Page<JobRead>> {
  const { data } = await api.get<Page<JobRead>>("/jobs", { params });
  return data;
}

export function getJobsQueryOptions(params: PageParams = {}) {
  return queryOptions({ queryKey: queryKeys.jobs.list(params), queryFn: () => getJobs(params) });
}

export function useJobs(params: PageParams = {}) {
  return useQuery(getJobsQueryOptions(params));
}
