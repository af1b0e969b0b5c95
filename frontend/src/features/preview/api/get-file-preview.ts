import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { FilePreview } from "@/types/api";

export async function getFilePreview(fileId: string, offset: number, limit: number): Promise<FilePreview> {
  const { data } = await api.get<FilePreview>(`/sources/csv/${encodeURIComponent(fileId)}/preview`, {
    params: { offset, limit },
  });
  return data;
}

export const getFilePreviewQueryOptions = (fileId: string, offset: number, limit: number) =>
  queryOptions({
    queryKey: queryKeys.files.preview(fileId, offset, limit),
    queryFn: () => getFilePreview(fileId, offset, limit),
  });

/** Keeps the previous page on screen while the next one loads, so paging does not flash. */
export function useFilePreview(fileId: string, offset: number, limit: number) {
  return useQuery({ ...getFilePreviewQueryOptions(fileId, offset, limit), placeholderData: keepPreviousData });
}
