import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CredentialRead } from "@/types/api";

export async function getConnection(credentialId: number): Promise<CredentialRead> {
  const { data } = await api.get<CredentialRead>(`/credentials/${credentialId}`);
  return data;
}

export function getConnectionQueryOptions(credentialId: number) {
  return queryOptions({
    queryKey: queryKeys.credentials.detail(credentialId),
    queryFn: () => getConnection(credentialId),
  });
}

export function useConnection(credentialId: number) {
  return useQuery(getConnectionQueryOptions(credentialId));
}
