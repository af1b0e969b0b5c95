import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobRunRead } from "@/types/api";

/** Starts a run now (the wizard's "create and run", the job pages' Execute); 503 when Airflow cannot take it (and then no run is left behind). */
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
