import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { CredentialRead, Page } from "@/types/api";

const PARAMS = { offset: 0, limit: 500 };

export async function getCredentials(): Promise<Page<CredentialRead>> {
  const { data } = await api.get<Page<CredentialRead>>("/credentials", { params: PARAMS });
  return data;
}

export const getCredentialsQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.credentials.list(PARAMS), queryFn: getCredentials });

export function useCredentials() {
  return useQuery(getCredentialsQueryOptions());
}
