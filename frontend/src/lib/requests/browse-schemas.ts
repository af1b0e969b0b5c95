import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";

export async function getBrowseSchemas(credentialId: number): Promise<string[]> {
  const { data } = await api.get<string[]>(`/credentials/${credentialId}/browse/schemas`);
  return data;
}

export function getBrowseSchemasQueryOptions(credentialId: number) {
  return queryOptions({ queryKey: queryKeys.browser.schemas(credentialId), queryFn: () => getBrowseSchemas(credentialId) });
}

export function useBrowseSchemas(credentialId: number) {
  return useQuery(getBrowseSchemasQueryOptions(credentialId));
}
