import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobRunRead } from "@/types/api";

/** 202 with the new PENDING run; 503 when Airflow cannot take it (no run is left behind). */
export async function executeJob(jobId: number): Promise<JobRunRead> {
  const { data } = await api.post<JobRunRead>(`/jobs/execute/${jobId}`);
  return data;
}

export function useExecuteJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: executeJob,
    onSuccess: (run) => {
      queryClient.setQueryData(queryKeys.runs.detail(run.id), run);
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.runs.all() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.dashboard() }),
      ]);
    },
  });
}
