import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CatalogTableDetail } from "@/types/api";

export async function getTable(credentialId: number, schema: string, table: string): Promise<CatalogTableDetail> {
  const { data } = await api.get<CatalogTableDetail>(`/credentials/${credentialId}/browse/table`, {
    params: { schema, table },
  });
  return data;
}

export function getTableQueryOptions(credentialId: number, schema: string, table: string) {
  return queryOptions({
    queryKey: queryKeys.browser.table(credentialId, schema, table),
    queryFn: () => getTable(credentialId, schema, table),
  });
}

export function useTable(credentialId: number, schema: string, table: string) {
  return useQuery(getTableQueryOptions(credentialId, schema, table));
}
