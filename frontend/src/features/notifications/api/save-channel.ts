import { useMutation, useQueryClient } from "@tanstack/react-query";

import { notificationKeys } from "@/features/notifications/api/keys";
import type { ChannelCreate, ChannelRead, ChannelUpdate } from "@/features/notifications/types";
import { api } from "@/lib/api-client";

export async function createChannel(body: ChannelCreate): Promise<ChannelRead> {
  const { data } = await api.post<ChannelRead>("/notification-channels", body);
  return data;
}

export async function updateChannel({ id, body }: { id: number; body: ChannelUpdate }): Promise<ChannelRead> {
  const { data } = await api.put<ChannelRead>(`/notification-channels/${id}`, body);
  return data;
}

export function useCreateChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createChannel,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notificationKeys.all() }),
  });
}

export function useUpdateChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateChannel,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notificationKeys.all() }),
  });
}
