import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { ScheduleRead } from "@/types/api";

/** Pauses or resumes the schedule (and its Airflow DAG). */
export async function setScheduleEnabled({ id, enabled }: { id: number; enabled: boolean }): Promise<ScheduleRead> {
  const { data } = await api.post<ScheduleRead>(`/schedules/${id}/${enabled ? "enable" : "disable"}`);
  return data;
}

export function useSetScheduleEnabled() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setScheduleEnabled,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.schedules.all() }),
  });
}
