import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CredentialRead, Page, PageParams } from "@/types/api";

export async function getCredentials(params: PageParams): Promise<Page<CredentialRead>> {
  const { data } = await api.get<Page<CredentialRead>>("/credentials", { params });
  return data;
}

export function getCredentialsQueryOptions(params: PageParams = {}) {
  return queryOptions({ queryKey: queryKeys.credentials.list(params), queryFn: () => getCredentials(params) });
}

export function useCredentials(params: PageParams = {}) {
  return useQuery(getCredentialsQueryOptions(params));
}
