import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { ScheduleRead, ScheduleUpdate } from "@/types/api";

export async function updateSchedule({ id, body }: { id: number; body: ScheduleUpdate }): Promise<ScheduleRead> {
  const { data } = await api.put<ScheduleRead>(`/schedules/${id}`, body);
  return data;
}

export function useUpdateSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateSchedule,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.schedules.all() }),
  });
}
