import { DownloadIcon } from "lucide-react";
import * as React from "react";

import { OffsetPager } from "@/components/offset-pager";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { rejectedRowsCsvUrl, useRejectedRows } from "@/features/job-runs/api/get-rejected-rows";
import { formatNumber } from "@/lib/format";

const PAGE_SIZE = 50;

/** Rows the load refused, with the line, column and reason; paged, downloadable as CSV. */
export function RejectedRowsPanel({ runId }: { runId: number }) {
  const [offset, setOffset] = React.useState(0);
  const rows = useRejectedRows(runId, { offset, limit: PAGE_SIZE });

  if (rows.isPending) {
    return <Skeleton className="h-32 w-full" aria-busy="true" />;
  }
  if (rows.isError) {
    return <ErrorMessage title="Could not load the rejected rows" error={rows.error} onRetry={() => void rows.refetch()} />;
  }
  const { items, total } = rows.data;
  if (total === 0) {
    return <EmptyState title="No rejected rows" description="Every row read so far was loaded or filtered." />;
  }

  const last = Math.min(offset + items.length, total);
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted-foreground">
          {formatNumber(total)} rejected {total === 1 ? "row" : "rows"}; showing {formatNumber(offset + 1)}–
          {formatNumber(last)}
        </p>
        <Button variant="outline" size="sm" asChild>
          <a href={rejectedRowsCsvUrl(runId)} download>
            <DownloadIcon />
            Download CSV
          </a>
        </Button>
      </div>
      <div className="overflow-x-auto rounded-md border">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead className="w-20">Line</TableHead>
              <TableHead>Column</TableHead>
              <TableHead>Reason</TableHead>
              <TableHead>Raw row</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((row) => (
              <TableRow key={row.id}>
                <TableCell className="tabular-nums">{formatNumber(row.line_number)}</TableCell>
                <TableCell className="font-mono text-xs">{row.column ?? "—"}</TableCell>
                <TableCell>{row.reason}</TableCell>
                <TableCell className="max-w-md truncate font-mono text-xs" title={row.raw}>
                  {row.raw}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <OffsetPager offset={offset} pageSize={PAGE_SIZE} total={total} end={last} onOffsetChange={setOffset} />
    </div>
  );
}
