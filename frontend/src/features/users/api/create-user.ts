import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { UserCreate, UserRead } from "@/types/api";

/** 409 UserExists when the email is taken; 422 for a short password. */
export async function createUser(body: UserCreate): Promise<UserRead> {
  const { data } = await api.post<UserRead>("/users", body);
  return data;
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.users.all() }),
  });
}
