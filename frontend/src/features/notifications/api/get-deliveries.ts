import { queryOptions, useQuery } from "@tanstack/react-query";

import { notificationKeys } from "@/features/notifications/api/keys";
import type { DeliveryRead } from "@/features/notifications/types";
import { api } from "@/lib/api-client";
import type { Page } from "@/types/api";

export type DeliveryListParams = { offset: number; limit: number };

export async function getDeliveries(channelId: number, params: DeliveryListParams): Promise<Page<DeliveryRead>> {
  const { data } = await api.get<Page<DeliveryRead>>(`/notification-channels/${channelId}/deliveries`, { params });
  return data;
}

export function getDeliveriesQueryOptions(channelId: number, params: DeliveryListParams) {
  return queryOptions({
    queryKey: notificationKeys.deliveries(channelId, params),
    queryFn: () => getDeliveries(channelId, params),
    // Retries happen in the background: keep the log current while it is open.
    refetchInterval: 15_000,
  });
}

export function useDeliveries(channelId: number, params: DeliveryListParams) {
  return useQuery(getDeliveriesQueryOptions(channelId, params));
}
