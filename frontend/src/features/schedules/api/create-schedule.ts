import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { ScheduleCreate, ScheduleRead } from "@/types/api";

export async function createSchedule({ jobId, body }: { jobId: number; body: ScheduleCreate }): Promise<ScheduleRead> {
  const { data } = await api.post<ScheduleRead>("/schedules", body, { params: { job_id: jobId } });
  return data;
}

export function useCreateSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createSchedule,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.schedules.all() }),
  });
}
