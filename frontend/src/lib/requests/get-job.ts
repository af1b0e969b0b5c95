import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobRead } from "@/types/api";

export async function getJob(jobId: number): Promise<JobRead> {
  const { data } = await api.get<JobRead>(`/jobs/${jobId}`);
  return data;
}

export function getJobQueryOptions(jobId: number) {
  return queryOptions({ queryKey: queryKeys.jobs.detail(jobId), queryFn: () => getJob(jobId) });
}

export function useJob(jobId: number | null) {
  return useQuery({ ...getJobQueryOptions(jobId ?? 0), enabled: jobId !== null });
}
