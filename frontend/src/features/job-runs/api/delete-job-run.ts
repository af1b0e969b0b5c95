import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";

import { getJobRunQueryOptions } from "@/features/job-runs/api/get-job-run";

export async function deleteJobRun(runId: number): Promise<void> {
  await api.delete(`/job-runs/${runId}`);
}

export function useDeleteJobRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteJobRun,
    onSuccess: (_data, runId) => {
      queryClient.removeQueries({ queryKey: getJobRunQueryOptions(runId).queryKey });
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.runs.all() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.dashboard() }),
      ]);
    },
  });
}
