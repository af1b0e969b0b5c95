import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CredentialRead, Page } from "@/types/api";

// `usage=source`: connections usable as a source (`both` included).
const PARAMS = { offset: 0, limit: 500, usage: "source" } as const;

export async function getSourceCredentials(): Promise<Page<CredentialRead>> {
  const { data } = await api.get<Page<CredentialRead>>("/credentials", { params: PARAMS });
  return data;
}

export const getSourceCredentialsQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.credentials.list(PARAMS), queryFn: getSourceCredentials });

export function useSourceCredentials() {
  return useQuery(getSourceCredentialsQueryOptions());
}
