import { useMutation } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import type { ConnectionTestResult, CredentialCreate } from "@/types/api";

export type ConnectionSettings = Omit<CredentialCreate, "name">;

/** Connects with settings that are not saved yet (the form's). */
export async function testConnection(settings: ConnectionSettings): Promise<ConnectionTestResult> {
  const { data } = await api.post<ConnectionTestResult>("/credentials/test", settings);
  return data;
}

export function useTestConnection() {
  return useMutation({ mutationFn: testConnection });
}
