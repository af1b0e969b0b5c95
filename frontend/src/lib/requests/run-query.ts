import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { QueryRequest, QueryResult } from "@/types/api";

/** POST, but it reads: each page re-runs the one read-only SELECT (the server refuses anything else). */
export async function runQuery(credentialId: number, body: QueryRequest): Promise<QueryResult> {
  const { data } = await api.post<QueryResult>(`/credentials/${credentialId}/query`, body);
  return data;
}

export function runQueryQueryOptions(credentialId: number, body: QueryRequest) {
  return queryOptions({
    queryKey: queryKeys.browser.query(credentialId, body.sql, body.offset, body.limit),
    queryFn: () => runQuery(credentialId, body),
    // A query is run when the user asks, not again behind their back.
    staleTime: Infinity,
    retry: false,
    refetchOnWindowFocus: false,
  });
}

/** `body` null: nothing run yet. */
export function useQueryResult(credentialId: number, body: QueryRequest | null) {
  return useQuery({
    ...runQueryQueryOptions(credentialId, body ?? { sql: "", offset: 0, limit: 0 }),
    enabled: body !== null,
    placeholderData: keepPreviousData,
  });
}
