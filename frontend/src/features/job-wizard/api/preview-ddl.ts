import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { DdlPreview, JobCreate } from "@/types/api";

export async function previewDdl(body: JobCreate): Promise<DdlPreview> {
  const { data } = await api.post<DdlPreview>("/jobs/preview-ddl", body);
  return data;
}

// Read-only POST: cached per job definition so going back and forth does not re-ask.
export const previewDdlQueryOptions = (body: JobCreate) =>
  queryOptions({ queryKey: [...queryKeys.jobs.all(), "preview-ddl", body] as const, queryFn: () => previewDdl(body) });

export function usePreviewDdl(body: JobCreate) {
  return useQuery(previewDdlQueryOptions(body));
}
