import { api } from "@/lib/api-client";
import type { ProposeQueryRequest, ProposeQueryResult } from "@/types/api";

/** The query's columns and a mapping for them (the server reads its description; nothing is written). */
export async function proposeQuery(body: ProposeQueryRequest): Promise<ProposeQueryResult> {
  const { data } = await api.post<ProposeQueryResult>("/jobs/propose-query", body);
  return data;
}
