import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { UserRead, UserUpdate } from "@/types/api";

/** Name, role or active; 409 LastAdmin when it would leave no active admin (or demote yourself). */
export async function updateUser({ id, body }: { id: number; body: UserUpdate }): Promise<UserRead> {
  const { data } = await api.patch<UserRead>(`/users/${id}`, body);
  return data;
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateUser,
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.users.all() }),
        // Your own name shows in the user menu.
        queryClient.invalidateQueries({ queryKey: queryKeys.auth.me() }),
      ]),
  });
}
