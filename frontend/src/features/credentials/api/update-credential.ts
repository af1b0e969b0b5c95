import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CredentialRead, CredentialUpdate } from "@/types/api";

/** A body without `password` keeps the stored one. */
export async function updateCredential({ id, body }: { id: number; body: CredentialUpdate }): Promise<CredentialRead> {
  const { data } = await api.put<CredentialRead>(`/credentials/${id}`, body);
  return data;
}

export function useUpdateCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateCredential,
    onSuccess: (credential) => {
      queryClient.setQueryData(queryKeys.credentials.detail(credential.id), credential);
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.credentials.all() }),
        // Browsing results (schemas, tables) may differ once the connection changes.
        queryClient.invalidateQueries({ queryKey: queryKeys.destinations.all(credential.id) }),
      ]);
    },
  });
}
