import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { AppConfig } from "@/types/api";

export async function getConfig(): Promise<AppConfig> {
  const { data } = await api.get<AppConfig>("/config");
  return data;
}

/** The deployment's settings (Airflow UI address, version); fixed while the page is open. */
export function getConfigQueryOptions() {
  return queryOptions({ queryKey: queryKeys.config(), queryFn: getConfig, staleTime: Infinity });
}

export function useConfig() {
  return useQuery(getConfigQueryOptions());
}
