import { useMutation, useQueryClient } from "@tanstack/react-query";

import { notificationKeys } from "@/features/notifications/api/keys";
import { api } from "@/lib/api-client";

export async function deleteChannel(id: number): Promise<void> {
  await api.delete(`/notification-channels/${id}`);
}

export function useDeleteChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteChannel,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notificationKeys.all() }),
  });
}
