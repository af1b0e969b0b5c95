import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CredentialRead } from "@/types/api";

export async function getCredential(credentialId: number): Promise<CredentialRead> {
  const { data } = await api.get<CredentialRead>(`/credentials/${credentialId}`);
  return data;
}

export function getCredentialQueryOptions(credentialId: number) {
  return queryOptions({ queryKey: queryKeys.credentials.detail(credentialId), queryFn: () => getCredential(credentialId) });
}

/** One connection (never its secrets); null: none to fetch yet. */
export function useCredential(credentialId: number | null) {
  return useQuery({ ...getCredentialQueryOptions(credentialId ?? 0), enabled: credentialId !== null });
}
