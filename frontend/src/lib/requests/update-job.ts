import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobRead, JobUpdate } from "@/types/api";

/** PUT /jobs/{id}: fields merged; `mappings` given = replaced, omitted = kept (re-mapped on a new file). */
export async function updateJob(jobId: number, body: JobUpdate): Promise<JobRead> {
  const { data } = await api.put<JobRead>(`/jobs/${jobId}`, body);
  return data;
}

export function useUpdateJob(jobId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: JobUpdate) => updateJob(jobId, body),
    onSuccess: (job) => {
      queryClient.setQueryData(queryKeys.jobs.detail(job.id), job);
      return queryClient.invalidateQueries({ queryKey: queryKeys.jobs.list() });
    },
  });
}
