import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CredentialCreate, CredentialRead } from "@/types/api";

export async function createCredential(body: CredentialCreate): Promise<CredentialRead> {
  const { data } = await api.post<CredentialRead>("/credentials", body);
  return data;
}

export function useCreateCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createCredential,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.credentials.all() }),
  });
}
