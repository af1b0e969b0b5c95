import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";

export async function getSchemas(credentialId: number): Promise<string[]> {
  const { data } = await api.get<string[]>(`/destinations/${credentialId}/schemas`);
  return data;
}

export const getSchemasQueryOptions = (credentialId: number) =>
  queryOptions({ queryKey: queryKeys.destinations.schemas(credentialId), queryFn: () => getSchemas(credentialId) });

export function useSchemas(credentialId: number | null) {
  return useQuery({ ...getSchemasQueryOptions(credentialId ?? 0), enabled: credentialId !== null });
}
