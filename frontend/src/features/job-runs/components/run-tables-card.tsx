import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { RunStatusBadge } from "@/components/ui/run-status-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatRate } from "@/features/job-runs/utils/run-figures";
import { tableIsDone, tablePercent } from "@/features/job-runs/utils/table-runs";
import { formatNumber } from "@/lib/format";
import type { JobRunTableRead } from "@/types/api";

/** One row per table of a many-table run: status, counters, rate, progress, attempt and error. */
export function RunTablesCard({ tables }: { tables: JobRunTableRead[] }) {
  const done = tables.filter(tableIsDone).length;
  const failed = tables.filter((t) => t.status === "FAILED").length;
  return (
    <Card data-testid="run-tables">
      <CardHeader>
        <CardTitle>Tables</CardTitle>
        <CardDescription>
          {done} of {tables.length} done{failed > 0 && `, ${failed} failed`}. Each table loads in its own transaction and retries alone.
        </CardDescription>
      </CardHeader>
      <CardContent className="px-0">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead className="pl-6">Table</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">Read</TableHead>
              <TableHead className="text-right">Loaded</TableHead>
              <TableHead className="text-right">Rejected</TableHead>
              <TableHead className="hidden text-right md:table-cell">Rate</TableHead>
              <TableHead className="hidden w-40 lg:table-cell">Progress</TableHead>
              <TableHead className="pr-6 text-right">Attempt</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {[...tables]
              .sort((a, b) => a.position - b.position)
              .map((table) => (
                <TableRow key={table.id} data-testid={`run-table-${table.source_name}`} data-status={table.status}>
                  <TableCell className="max-w-80 pl-6 align-top">
                    <div className="font-mono text-xs">{table.source_name}</div>
                    <div className="font-mono text-xs text-muted-foreground">→ {table.target_name}</div>
                    {table.error_message && (
                      <p className="mt-1 text-xs break-words text-destructive" data-testid="run-table-error">
                        {table.error_message}
                      </p>
                    )}
                  </TableCell>
                  <TableCell className="align-top">
                    <RunStatusBadge status={table.status} />
                  </TableCell>
                  <TableCell className="text-right align-top tabular-nums" data-testid="run-table-read">
                    {formatNumber(table.rows_read)}
                  </TableCell>
                  <TableCell className="text-right align-top tabular-nums" data-testid="run-table-loaded">
                    {table.status === "RUNNING" ? (
                      <span title="Staged; committed when the table's load finishes">{formatNumber(table.rows_staged)} staged</span>
                    ) : (
                      formatNumber(table.rows_loaded)
                    )}
                  </TableCell>
                  <TableCell className="text-right align-top tabular-nums">{formatNumber(table.rows_rejected)}</TableCell>
                  <TableCell className="hidden text-right align-top tabular-nums md:table-cell">{formatRate(table.rows_per_second)}</TableCell>
                  <TableCell className="hidden align-top lg:table-cell">
                    <Progress value={tablePercent(table)} aria-label={`Progress of ${table.source_name}`} />
                  </TableCell>
                  <TableCell className="pr-6 text-right align-top tabular-nums">{table.attempt || "—"}</TableCell>
                </TableRow>
              ))}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
}
