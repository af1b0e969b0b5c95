import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { UploadedFileRead } from "@/types/api";

export async function getFile(fileId: string): Promise<UploadedFileRead> {
  const { data } = await api.get<UploadedFileRead>(`/sources/csv/${encodeURIComponent(fileId)}/metadata`);
  return data;
}

export const getFileQueryOptions = (fileId: string) =>
  queryOptions({ queryKey: queryKeys.files.detail(fileId), queryFn: () => getFile(fileId) });

export function useFile(fileId: string | null) {
  return useQuery({ ...getFileQueryOptions(fileId ?? ""), enabled: fileId !== null });
}
