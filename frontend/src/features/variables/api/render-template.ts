import { useMutation } from "@tanstack/react-query";

import type { RenderRequest, RenderResult } from "@/features/variables/types";
import { api } from "@/lib/api-client";

/** A template rendered, never run: a query's SQL with placeholders and what binds to them. */
export async function renderTemplate(body: RenderRequest): Promise<RenderResult> {
  const { data } = await api.post<RenderResult>("/variables/render", body);
  return data;
}

export function useRenderTemplate() {
  return useMutation({ mutationFn: renderTemplate });
}
