import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobCreate, JobRead } from "@/types/api";

export async function createJob(body: JobCreate): Promise<JobRead> {
  const { data } = await api.post<JobRead>("/jobs", body);
  return data;
}

export function useCreateJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createJob,
    onSuccess: (job) => {
      queryClient.setQueryData(queryKeys.jobs.detail(job.id), job);
      return queryClient.invalidateQueries({ queryKey: queryKeys.jobs.list() });
    },
  });
}
