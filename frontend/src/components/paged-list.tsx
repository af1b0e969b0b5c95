import type { UseQueryResult } from "@tanstack/react-query";
import * as React from "react";

import { Card, CardContent } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import type { Page } from "@/types/api";

/** A list page's body: placeholder rows while loading, the error with a retry, `empty` when there is
 * nothing, else `children(items)` (a table) in an edge-to-edge card. */
export function PagedList<T>({
  query,
  errorTitle,
  empty,
  loadingRows = 3,
  children,
}: {
  query: UseQueryResult<Page<T>>;
  errorTitle: string;
  empty: React.ReactNode;
  loadingRows?: number;
  children: (items: T[]) => React.ReactNode;
}) {
  if (query.isPending) {
    return (
      <div className="flex flex-col gap-2" aria-busy="true">
        {Array.from({ length: loadingRows }, (_, i) => (
          <Skeleton key={i} className="h-12 w-full" />
        ))}
      </div>
    );
  }
  if (query.isError) return <ErrorMessage title={errorTitle} error={query.error} onRetry={() => void query.refetch()} />;
  if (query.data.items.length === 0) return empty;
  return (
    <Card className="py-0">
      <CardContent className="px-0">{children(query.data.items)}</CardContent>
    </Card>
  );
}
