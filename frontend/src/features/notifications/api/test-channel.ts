import { useMutation, useQueryClient } from "@tanstack/react-query";

import { notificationKeys } from "@/features/notifications/api/keys";
import type { DeliveryRead } from "@/features/notifications/types";
import { api } from "@/lib/api-client";

/** Sends a test event now; the answer is that delivery's outcome (sent or failed, code, error). */
export async function testChannel(id: number): Promise<DeliveryRead> {
  const { data } = await api.post<DeliveryRead>(`/notification-channels/${id}/test`);
  return data;
}

export function useTestChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: testChannel,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notificationKeys.all() }),
  });
}
