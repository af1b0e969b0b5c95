import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobRunRead } from "@/types/api";

/** A new run of the same job with only the tables that did not complete (409 when none failed or the run is active). */
export async function retryFailedTables(runId: number): Promise<JobRunRead> {
  const { data } = await api.post<JobRunRead>(`/job-runs/${runId}/retry-failed-tables`);
  return data;
}

export function useRetryFailedTables() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: retryFailedTables,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.runs.all() }),
  });
}
