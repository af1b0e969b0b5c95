import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { AuditEventParams, AuditEventRead, Page } from "@/types/api";

export async function getAuditEvents(params: AuditEventParams): Promise<Page<AuditEventRead>> {
  const { data } = await api.get<Page<AuditEventRead>>("/audit-events", { params });
  return data;
}

export function getAuditEventsQueryOptions(params: AuditEventParams = {}) {
  return queryOptions({ queryKey: queryKeys.audit.list(params), queryFn: () => getAuditEvents(params), staleTime: 0 });
}

/** Newest first; the previous page stays on screen while the next one loads. */
export function useAuditEvents(params: AuditEventParams = {}) {
  return useQuery({ ...getAuditEventsQueryOptions(params), placeholderData: keepPreviousData });
}
