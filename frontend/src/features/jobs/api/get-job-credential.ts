import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CredentialRead } from "@/types/api";

/** A connection a job reads or loads into, to name it on the job page. */
export async function getJobCredential(credentialId: number): Promise<CredentialRead> {
  const { data } = await api.get<CredentialRead>(`/credentials/${credentialId}`);
  return data;
}

export function getJobCredentialQueryOptions(credentialId: number) {
  return queryOptions({
    queryKey: queryKeys.credentials.detail(credentialId),
    queryFn: () => getJobCredential(credentialId),
  });
}

/** `credentialId` null: none to name (a file job's source). */
export function useJobCredential(credentialId: number | null) {
  return useQuery({ ...getJobCredentialQueryOptions(credentialId ?? 0), enabled: credentialId !== null });
}
