import { useMutation } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import type { ConnectionTestResult } from "@/types/api";

/** Connects with the stored settings and password. */
export async function testCredential(id: number): Promise<ConnectionTestResult> {
  const { data } = await api.post<ConnectionTestResult>(`/credentials/${id}/test`);
  return data;
}

export function useTestCredential() {
  return useMutation({ mutationFn: testCredential });
}
