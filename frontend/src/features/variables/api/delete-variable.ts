import { useMutation, useQueryClient } from "@tanstack/react-query";

import { variableKeys } from "@/features/variables/api/keys";
import { api } from "@/lib/api-client";

export async function deleteVariable(id: number): Promise<void> {
  await api.delete(`/variables/${id}`);
}

export function useDeleteVariable() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteVariable,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: variableKeys.all() }),
  });
}
