import { useMutation, useQueryClient } from "@tanstack/react-query";

import { variableKeys } from "@/features/variables/api/keys";
import type { VariableCreate, VariableRead, VariableUpdate } from "@/features/variables/types";
import { api } from "@/lib/api-client";

export async function createVariable(body: VariableCreate): Promise<VariableRead> {
  const { data } = await api.post<VariableRead>("/variables", body);
  return data;
}

export async function updateVariable({ id, body }: { id: number; body: VariableUpdate }): Promise<VariableRead> {
  const { data } = await api.put<VariableRead>(`/variables/${id}`, body);
  return data;
}

export function useCreateVariable() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createVariable,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: variableKeys.all() }),
  });
}

export function useUpdateVariable() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateVariable,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: variableKeys.all() }),
  });
}
