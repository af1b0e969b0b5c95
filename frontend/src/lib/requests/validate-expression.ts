import { queryOptions, useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { ExpressionValidation } from "@/types/api";

export async function validateExpression(fileId: string, expression: string): Promise<ExpressionValidation> {
  const { data } = await api.post<ExpressionValidation>("/jobs/validate-expression", {
    file_id: fileId,
    expression,
  });
  return data;
}

// A POST that only reads: cached like a query so the same expression is never checked twice.
export const validateExpressionQueryOptions = (fileId: string, expression: string) =>
  queryOptions({
    queryKey: [...queryKeys.jobs.all(), "validate-expression", fileId, expression] as const,
    queryFn: () => validateExpression(fileId, expression),
    staleTime: Infinity,
  });

/** `fileId` "": no file to try the expression on (a database source); the job's save checks it. */
export function useValidateExpression(fileId: string, expression: string) {
  return useQuery({ ...validateExpressionQueryOptions(fileId, expression), enabled: expression.trim() !== "" && fileId !== "" });
}
