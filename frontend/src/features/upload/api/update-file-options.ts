import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CsvOptionsUpdate, UploadedFileRead } from "@/types/api";

/** Re-profiles the file with the given options; the answer carries the new columns and types. */
export async function updateFileOptions(fileId: string, options: CsvOptionsUpdate): Promise<UploadedFileRead> {
  const { data } = await api.put<UploadedFileRead>(`/sources/csv/${encodeURIComponent(fileId)}/options`, options);
  return data;
}

export function useUpdateFileOptions(fileId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (options: CsvOptionsUpdate) => updateFileOptions(fileId, options),
    onSuccess: (file) => {
      queryClient.setQueryData(queryKeys.files.detail(file.id), file);
      // Typed previews of the old options are wrong now.
      return queryClient.invalidateQueries({ queryKey: queryKeys.files.previews(file.id) });
    },
  });
}
