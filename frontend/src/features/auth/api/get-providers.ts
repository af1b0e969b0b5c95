import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { AuthProviders } from "@/types/api";

export async function getProviders(): Promise<AuthProviders> {
  const { data } = await api.get<AuthProviders>("/auth/providers");
  return data;
}

/** How one may log in here (password, single sign-on); public, read by the login page. */
export function useProviders() {
  return useQuery(queryOptions({ queryKey: queryKeys.auth.providers(), queryFn: getProviders, staleTime: Infinity }));
}
