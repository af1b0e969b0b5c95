import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CsvOptionsUpdate, UploadedFileRead } from "@/types/api";

/** Re-profiles the file with the given options; the answer carries the new columns and types.
 * The body is the whole set of corrections: what it omits is detected again (see `withOverrides`). */
export async function updateFileOptions(fileId: string, options: CsvOptionsUpdate): Promise<UploadedFileRead> {
  const { data } = await api.put<UploadedFileRead>(`/sources/csv/${encodeURIComponent(fileId)}/options`, options);
  return data;
}

/** The corrections the user already made, changed by `patch` (`undefined` in it drops one). */
export function withOverrides(file: UploadedFileRead, patch: CsvOptionsUpdate): CsvOptionsUpdate {
  const merged: Record<string, unknown> = { ...file.overrides, ...patch };
  return Object.fromEntries(
    Object.entries(merged).filter(([, value]) => value !== null && value !== undefined),
  ) as CsvOptionsUpdate;
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
