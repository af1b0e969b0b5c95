import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";

/** 409 while a job still loads into it. */
export async function deleteCredential(id: number): Promise<void> {
  await api.delete(`/credentials/${id}`);
}

export function useDeleteCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteCredential,
    onSuccess: (_data, id) => {
      queryClient.removeQueries({ queryKey: queryKeys.credentials.detail(id) });
      return queryClient.invalidateQueries({ queryKey: queryKeys.credentials.all() });
    },
  });
}
