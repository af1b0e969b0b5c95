import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { TokenCreate, TokenCreated } from "@/types/api";

/** The answer carries the token itself, this once. */
export async function createToken(body: TokenCreate): Promise<TokenCreated> {
  const { data } = await api.post<TokenCreated>("/tokens", body);
  return data;
}

export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all() }),
  });
}
