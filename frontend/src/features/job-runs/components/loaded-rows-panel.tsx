import * as React from "react";

import { OffsetPager } from "@/components/offset-pager";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useLoadedRows } from "@/features/job-runs/api/get-loaded-rows";
import { formatNumber } from "@/lib/format";

const PAGE_SIZE = 50;

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The target table as it is now, a page at a time: what the run loaded (and what was there before). */
export function LoadedRowsPanel({ runId }: { runId: number }) {
  const [offset, setOffset] = React.useState(0);
  const sample = useLoadedRows(runId, { offset, limit: PAGE_SIZE });

  if (sample.isPending) {
    return <Skeleton className="h-32 w-full" aria-busy="true" />;
  }
  if (sample.isError) {
    return <ErrorMessage title="Could not read the loaded rows" error={sample.error} onRetry={() => void sample.refetch()} />;
  }
  const { schema, table, columns, rows, total_rows: total } = sample.data;
  const name = `${schema}.${table}`;
  if (total === 0) {
    return <EmptyState title="The table is empty" description={`${name} has no rows now.`} />;
  }

  const last = Math.min(offset + rows.length, total);
  return (
    <div className="flex flex-col gap-3">
      <p className="text-sm text-muted-foreground">
        <span className="font-mono text-foreground">{name}</span>: {formatNumber(total)} {total === 1 ? "row" : "rows"}
        {rows.length > 0 && (
          <>
            ; showing {formatNumber(offset + 1)}–{formatNumber(last)}
          </>
        )}
      </p>
      <div className="overflow-x-auto rounded-md border">
        <Table aria-label={`Rows of ${name}`}>
          <TableHeader>
            <TableRow>
              {columns.map((column) => (
                <TableHead key={column.name}>
                  <span className="font-mono">{column.name}</span>{" "}
                  <span className="text-xs font-normal text-muted-foreground">{column.type}</span>
                </TableHead>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((row, index) => (
              <TableRow key={offset + index}>
                {row.map((value, column) => (
                  <TableCell key={column} className="max-w-xs truncate font-mono text-xs" title={cellText(value)}>
                    {value === null ? <span className="text-muted-foreground italic">null</span> : cellText(value)}
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <OffsetPager offset={offset} pageSize={PAGE_SIZE} total={total} end={last} onOffsetChange={setOffset} />
    </div>
  );
}
