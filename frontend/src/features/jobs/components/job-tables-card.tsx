import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { STRATEGY_LABEL } from "@/features/jobs/utils/strategy";
import type { JobRead } from "@/types/api";

/** A many-table job's tables: source → target, strategy with its keys or cursor, columns, included or not. */
export function JobTablesCard({ job }: { job: JobRead }) {
  const tables = [...job.tables].sort((a, b) => a.position - b.position);
  const included = tables.filter((table) => table.include).length;
  return (
    <Card data-testid="job-tables">
      <CardHeader>
        <CardTitle>Tables</CardTitle>
        <CardDescription>
          {included} of {tables.length} tables loaded, at most {job.max_parallel_tables} at a time.
        </CardDescription>
      </CardHeader>
      <CardContent className="px-0">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead className="pl-6">Source</TableHead>
              <TableHead>Target</TableHead>
              <TableHead>Strategy</TableHead>
              <TableHead className="pr-6 text-right">Columns</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {tables.map((table) => (
              <TableRow key={table.id} className={table.include ? undefined : "opacity-60"}>
                <TableCell className="pl-6 font-mono text-xs">
                  {table.source_schema ? `${table.source_schema}.` : ""}
                  {table.source_table}
                  {!table.include && (
                    <Badge variant="outline" className="ml-2">
                      left out
                    </Badge>
                  )}
                </TableCell>
                <TableCell className="font-mono text-xs">
                  {table.target_schema}.{table.target_table}
                </TableCell>
                <TableCell>
                  <Badge variant="secondary">{STRATEGY_LABEL[table.strategy]}</Badge>
                  {(table.upsert_keys ?? []).length > 0 && (
                    <span className="ml-2 font-mono text-xs">keys: {(table.upsert_keys ?? []).join(", ")}</span>
                  )}
                  {table.strategy === "INCREMENTAL" && table.cursor_column && (
                    <span className="ml-2 font-mono text-xs">
                      cursor: {table.cursor_column}
                      {table.cursor_lookback ? ` (look-back ${table.cursor_lookback})` : ""}
                    </span>
                  )}
                </TableCell>
                <TableCell className="pr-6 text-right tabular-nums">{table.mappings.filter((m) => m.include).length}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
}
