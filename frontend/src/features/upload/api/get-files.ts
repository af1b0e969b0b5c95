import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { Page, PageParams, UploadedFileRead } from "@/types/api";

export async function getFiles(params: PageParams): Promise<Page<UploadedFileRead>> {
  const { data } = await api.get<Page<UploadedFileRead>>("/sources/csv", { params });
  return data;
}

export const getFilesQueryOptions = (params: PageParams) =>
  queryOptions({ queryKey: queryKeys.files.list(params), queryFn: () => getFiles(params) });

export function useFiles(params: PageParams) {
  return useQuery(getFilesQueryOptions(params));
}
