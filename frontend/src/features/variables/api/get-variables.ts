import { queryOptions, useQuery } from "@tanstack/react-query";

import { variableKeys } from "@/features/variables/api/keys";
import type { VariableRead } from "@/features/variables/types";
import { api } from "@/lib/api-client";
import type { Page } from "@/types/api";

export type VariableListParams = { offset: number; limit: number };

export async function getVariables(params: VariableListParams): Promise<Page<VariableRead>> {
  const { data } = await api.get<Page<VariableRead>>("/variables", { params });
  return data;
}

export function getVariablesQueryOptions(params: VariableListParams = { offset: 0, limit: 100 }) {
  return queryOptions({ queryKey: variableKeys.list(params), queryFn: () => getVariables(params) });
}

export function useVariables(params?: VariableListParams) {
  return useQuery(getVariablesQueryOptions(params));
}
