import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CatalogTable } from "@/types/api";

export async function getBrowseTables(credentialId: number, schema: string): Promise<CatalogTable[]> {
  const { data } = await api.get<CatalogTable[]>(`/credentials/${credentialId}/browse/tables`, { params: { schema } });
  return data;
}

export function getBrowseTablesQueryOptions(credentialId: number, schema: string) {
  return queryOptions({
    queryKey: queryKeys.browser.tables(credentialId, schema),
    queryFn: () => getBrowseTables(credentialId, schema),
  });
}

export function useBrowseTables(credentialId: number, schema: string, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...getBrowseTablesQueryOptions(credentialId, schema), enabled });
}
