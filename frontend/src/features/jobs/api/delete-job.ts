import { useMutation, useQueryClient } from "@tanstack/react-query";

import { getJobQueryOptions } from "@/lib/requests/get-job";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";

export async function deleteJob(jobId: number): Promise<void> {
  await api.delete(`/jobs/${jobId}`);
}

export function useDeleteJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteJob,
    onSuccess: (_data, jobId) => {
      queryClient.removeQueries({ queryKey: getJobQueryOptions(jobId).queryKey });
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.jobs.all() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.runs.all() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.schedules.all() }),
      ]);
    },
  });
}
