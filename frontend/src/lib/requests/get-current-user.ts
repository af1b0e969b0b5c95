import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import { roleAllows } from "@/lib/roles";
import type { Role, UserRead } from "@/types/api";

export async function getCurrentUser(): Promise<UserRead> {
  const { data } = await api.get<UserRead>("/auth/me");
  return data;
}

/** The signed-in user; a 401 here sends the browser to the login page (api-client). */
export function getCurrentUserQueryOptions() {
  // Kept a minute: a role an admin changes shows on the next page a minute later at most.
  return queryOptions({ queryKey: queryKeys.auth.me(), queryFn: getCurrentUser, staleTime: 60_000 });
}

export function useCurrentUser() {
  return useQuery(getCurrentUserQueryOptions());
}

/** Whether the signed-in user has at least `needed`; false until the user is known. */
export function useCan(needed: Role): boolean {
  const user = useCurrentUser();
  return user.data !== undefined && roleAllows(user.data.role, needed);
}
