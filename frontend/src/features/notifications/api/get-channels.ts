import { queryOptions, useQuery } from "@tanstack/react-query";

import { notificationKeys } from "@/features/notifications/api/keys";
import type { ChannelRead } from "@/features/notifications/types";
import { api } from "@/lib/api-client";
import type { Page } from "@/types/api";

export type ChannelListParams = { offset: number; limit: number };

export async function getChannels(params: ChannelListParams): Promise<Page<ChannelRead>> {
  const { data } = await api.get<Page<ChannelRead>>("/notification-channels", { params });
  return data;
}

export function getChannelsQueryOptions(params: ChannelListParams = { offset: 0, limit: 100 }) {
  return queryOptions({ queryKey: notificationKeys.channels(params), queryFn: () => getChannels(params) });
}

export function useChannels(params?: ChannelListParams) {
  return useQuery(getChannelsQueryOptions(params));
}
