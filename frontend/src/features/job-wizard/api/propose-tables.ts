import { api } from "@/lib/api-client";
import type { ProposeTablesRequest, ProposeTablesResult } from "@/types/api";

/** Each table's target, strategy (UPSERT on the primary key when there is one) and mapping, from the source's column types. */
export async function proposeTables(body: ProposeTablesRequest): Promise<ProposeTablesResult> {
  const { data } = await api.post<ProposeTablesResult>("/jobs/propose-tables", body);
  return data;
}
