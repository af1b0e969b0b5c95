import { useMutation } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import type { PasswordChange } from "@/types/api";

/** 401 InvalidCredentials when the current password is wrong, 422 when the new one is too short or the same.
 * Ends the user's other sessions; this one stays. */
export async function changePassword(body: PasswordChange): Promise<void> {
  await api.post("/auth/password", body);
}

export function useChangePassword() {
  return useMutation({ mutationFn: changePassword });
}
