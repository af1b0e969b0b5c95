import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { QueryResult } from "@/types/api";

type TableRowsParams = { schema: string; table: string; offset: number; limit: number };

export async function getTableRows(credentialId: number, params: TableRowsParams): Promise<QueryResult> {
  const { data } = await api.get<QueryResult>(`/credentials/${credentialId}/browse/rows`, { params });
  return data;
}

export function getTableRowsQueryOptions(credentialId: number, params: TableRowsParams) {
  const { schema, table, offset, limit } = params;
  return queryOptions({
    queryKey: queryKeys.browser.rows(credentialId, schema, table, offset, limit),
    queryFn: () => getTableRows(credentialId, params),
  });
}

export function useTableRows(credentialId: number, params: TableRowsParams) {
  return useQuery({ ...getTableRowsQueryOptions(credentialId, params), placeholderData: keepPreviousData });
}
