import { useMutation } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import type { ConnectionTestResult, CredentialCreate } from "@/types/api";

/** Test a saved credential (by id) or one still being typed (the full body, never stored). */
export async function testCredential(target: number | CredentialCreate): Promise<ConnectionTestResult> {
  const { data } =
    typeof target === "number"
      ? await api.post<ConnectionTestResult>(`/credentials/${target}/test`)
      : await api.post<ConnectionTestResult>("/credentials/test", target);
  return data;
}

export function useTestCredential() {
  return useMutation({ mutationFn: testCredential });
}
