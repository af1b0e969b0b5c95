import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { TableSchema } from "@/types/api";

export async function getTableSchema(credentialId: number, schema: string, table: string): Promise<TableSchema> {
  const { data } = await api.get<TableSchema>(`/destinations/${credentialId}/schema`, { params: { schema, table } });
  return data;
}

export const getTableSchemaQueryOptions = (credentialId: number, schema: string, table: string) =>
  queryOptions({
    queryKey: queryKeys.destinations.table(credentialId, schema, table),
    queryFn: () => getTableSchema(credentialId, schema, table),
  });

export function useTableSchema(credentialId: number | null, schema: string, table: string | null) {
  return useQuery({
    ...getTableSchemaQueryOptions(credentialId ?? 0, schema, table ?? ""),
    enabled: credentialId !== null && schema !== "" && !!table,
  });
}
