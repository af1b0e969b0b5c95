import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";

export async function getSchemas(credentialId: number): Promise<string[]> {
  const { data } = await api.get<string[]>(`/credentials/${credentialId}/browse/schemas`);
  return data;
}

export function getSchemasQueryOptions(credentialId: number) {
  return queryOptions({ queryKey: queryKeys.browser.schemas(credentialId), queryFn: () => getSchemas(credentialId) });
}

export function useSchemas(credentialId: number) {
  return useQuery(getSchemasQueryOptions(credentialId));
}
