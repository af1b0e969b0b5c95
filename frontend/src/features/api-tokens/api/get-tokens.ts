import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { TokenRead } from "@/types/api";

/** The signed-in user's own tokens (revoked ones too); never the secret. */
export async function getTokens(): Promise<TokenRead[]> {
  const { data } = await api.get<TokenRead[]>("/tokens");
  return data;
}

export function getTokensQueryOptions() {
  return queryOptions({ queryKey: queryKeys.tokens.all(), queryFn: getTokens });
}

export function useTokens() {
  return useQuery(getTokensQueryOptions());
}
