import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { UploadedFileRead } from "@/types/api";

export type UploadProgress = { loaded: number; total: number };

export type UploadFileInput = {
  file: File;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
};

export async function uploadFile({ file, onProgress, signal }: UploadFileInput): Promise<UploadedFileRead> {
  const body = new FormData();
  body.append("file", file, file.name);
  const { data } = await api.post<UploadedFileRead>("/sources/csv/upload", body, {
    signal,
    onUploadProgress: (event) => onProgress?.({ loaded: event.loaded, total: event.total ?? file.size }),
  });
  return data;
}

export function useUploadFile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: uploadFile,
    onSuccess: (file) => {
      queryClient.setQueryData(queryKeys.files.detail(file.id), file);
      return queryClient.invalidateQueries({ queryKey: queryKeys.files.list() });
    },
  });
}
