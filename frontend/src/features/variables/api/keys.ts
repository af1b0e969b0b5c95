import { queryKeys } from "@/lib/query-keys";

/** Query keys of the variables feature (invalidate through these, never a hand-typed key). */
export const variableKeys = {
  all: () => ["variables"] as const,
  list: (params: { offset: number; limit: number }) => ["variables", "list", params] as const,
  context: () => ["variables", "context"] as const,
  // Under the credentials' namespace: a connection added or removed elsewhere refreshes it.
  sourceConnections: () => [...queryKeys.credentials.all(), "variable-sources"] as const,
};
