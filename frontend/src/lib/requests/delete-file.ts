import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";

/** 204; 409 FileInUse while a job still loads from it. */
export async function deleteFile(fileId: string): Promise<void> {
  await api.delete(`/sources/csv/${encodeURIComponent(fileId)}`);
}

export function useDeleteFile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteFile,
    onSuccess: (_, fileId) => {
      queryClient.removeQueries({ queryKey: queryKeys.files.detail(fileId) });
      queryClient.removeQueries({ queryKey: queryKeys.files.previews(fileId) });
      return queryClient.invalidateQueries({ queryKey: queryKeys.files.list() });
    },
  });
}
