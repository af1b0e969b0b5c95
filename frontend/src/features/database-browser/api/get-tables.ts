import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CatalogTable } from "@/types/api";

export async function getTables(credentialId: number, schema: string): Promise<CatalogTable[]> {
  const { data } = await api.get<CatalogTable[]>(`/credentials/${credentialId}/browse/tables`, { params: { schema } });
  return data;
}

export function getTablesQueryOptions(credentialId: number, schema: string) {
  return queryOptions({
    queryKey: queryKeys.browser.tables(credentialId, schema),
    queryFn: () => getTables(credentialId, schema),
  });
}

export function useTables(credentialId: number, schema: string, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...getTablesQueryOptions(credentialId, schema), enabled });
}
