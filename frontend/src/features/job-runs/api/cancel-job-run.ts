import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobRunRead } from "@/types/api";

import { getJobRunQueryOptions } from "@/features/job-runs/api/get-job-run";

export async function cancelJobRun(runId: number): Promise<JobRunRead> {
  const { data } = await api.post<JobRunRead>(`/job-runs/${runId}/cancel`);
  return data;
}

export function useCancelJobRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: cancelJobRun,
    onSuccess: (run) => {
      queryClient.setQueryData(getJobRunQueryOptions(run.id).queryKey, run);
      return queryClient.invalidateQueries({ queryKey: queryKeys.runs.all() });
    },
  });
}
