import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { LoginRequest, LoginResponse } from "@/types/api";

/** 401 InvalidCredentials (one answer for every wrong login), 429 TooManyLoginAttempts. */
export async function login(body: LoginRequest): Promise<LoginResponse> {
  const { data } = await api.post<LoginResponse>("/auth/login", body);
  return data;
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: ({ user }) => {
      // Nothing another account read may stay in the cache.
      queryClient.clear();
      queryClient.setQueryData(queryKeys.auth.me(), user);
    },
  });
}
