import { queryOptions, useQuery } from "@tanstack/react-query";

import { variableKeys } from "@/features/variables/api/keys";
import { api } from "@/lib/api-client";
import type { CredentialRead, Page } from "@/types/api";

/** Connections a db_query variable can read: sources of the kinds the read-only query path serves. */
export const QUERY_KINDS: readonly string[] = ["postgres", "mysql"];

export async function getSourceConnections(): Promise<CredentialRead[]> {
  const { data } = await api.get<Page<CredentialRead>>("/credentials", { params: { usage: "source", limit: 500 } });
  return data.items.filter((c) => QUERY_KINDS.includes(c.kind));
}

export function getSourceConnectionsQueryOptions() {
  return queryOptions({ queryKey: variableKeys.sourceConnections(), queryFn: getSourceConnections });
}

export function useSourceConnections({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...getSourceConnectionsQueryOptions(), enabled });
}
