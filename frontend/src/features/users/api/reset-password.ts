import { useMutation } from "@tanstack/react-query";

import { api } from "@/lib/api-client";

/** An admin sets someone's password; their sessions end. */
export async function resetPassword({ id, newPassword }: { id: number; newPassword: string }): Promise<void> {
  await api.post(`/users/${id}/password`, { new_password: newPassword });
}

export function useResetPassword() {
  return useMutation({ mutationFn: resetPassword });
}
