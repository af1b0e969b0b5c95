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
    onSuccess: (saved) => {
      // Your own name shows in the user menu.
      if (queryClient.getQueryData<UserRead>(queryKeys.auth.me())?.id === saved.id) {
        queryClient.setQueryData(queryKeys.auth.me(), saved);
      }
      return queryClient.invalidateQueries({ queryKey: queryKeys.users.all() });
    },
  });
}
