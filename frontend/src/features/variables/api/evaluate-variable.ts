import { useMutation } from "@tanstack/react-query";

import type { EvaluatedVariable } from "@/features/variables/types";
import { api } from "@/lib/api-client";

/** A variable's value now (a db_query variable's query runs). */
export async function evaluateVariable(id: number): Promise<EvaluatedVariable> {
  const { data } = await api.post<EvaluatedVariable>(`/variables/${id}/evaluate`);
  return data;
}

export function useEvaluateVariable() {
  return useMutation({ mutationFn: evaluateVariable });
}
