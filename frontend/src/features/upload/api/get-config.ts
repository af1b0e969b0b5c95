import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { AppConfig } from "@/types/api";

export async function getConfig(): Promise<AppConfig> {
  const { data } = await api.get<AppConfig>("/config");
  return data;
}

export const getConfigQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.config(), queryFn: getConfig, staleTime: Infinity });

export function useConfig() {
  return useQuery(getConfigQueryOptions());
}
