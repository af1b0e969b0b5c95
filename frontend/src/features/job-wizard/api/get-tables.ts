import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { TableRef } from "@/types/api";

export async function getTables(credentialId: number, schema: string): Promise<TableRef[]> {
  const { data } = await api.get<TableRef[]>(`/destinations/${credentialId}/tables`, { params: { schema } });
  return data;
}

export const getTablesQueryOptions = (credentialId: number, schema: string) =>
  queryOptions({
    queryKey: queryKeys.destinations.tables(credentialId, schema),
    queryFn: () => getTables(credentialId, schema),
  });

export function useTables(credentialId: number | null, schema: string) {
  return useQuery({ ...getTablesQueryOptions(credentialId ?? 0, schema), enabled: credentialId !== null && schema !== "" });
}
