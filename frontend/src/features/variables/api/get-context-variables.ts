import { queryOptions, useQuery } from "@tanstack/react-query";

import { variableKeys } from "@/features/variables/api/keys";
import type { ContextVariableRead } from "@/features/variables/types";
import { api } from "@/lib/api-client";

export async function getContextVariables(): Promise<ContextVariableRead[]> {
  const { data } = await api.get<ContextVariableRead[]>("/variables/context");
  return data;
}

export function getContextVariablesQueryOptions() {
  return queryOptions({ queryKey: variableKeys.context(), queryFn: getContextVariables, staleTime: Infinity });
}

export function useContextVariables() {
  return useQuery(getContextVariablesQueryOptions());
}
