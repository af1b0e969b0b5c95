import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { Page, PageParams, UserRead } from "@/types/api";

export async function getUsers(params: PageParams): Promise<Page<UserRead>> {
  const { data } = await api.get<Page<UserRead>>("/users", { params });
  return data;
}

export function getUsersQueryOptions(params: PageParams = {}) {
  return queryOptions({ queryKey: queryKeys.users.list(params), queryFn: () => getUsers(params) });
}

export function useUsers(params: PageParams = {}) {
  return useQuery({ ...getUsersQueryOptions(params), placeholderData: keepPreviousData });
}
