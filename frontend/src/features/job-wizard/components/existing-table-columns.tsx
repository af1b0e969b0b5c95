import { ArrowLeftIcon } from "lucide-react";

import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { MappingRow } from "@/lib/mapping-rows";
import type { TableSchema } from "@/types/api";

/** What fills each column of the existing table: the mapped file column, or NULL / the column's default. */
export function ExistingTableColumns({ table, rows }: { table: TableSchema; rows: MappingRow[] }) {
  const fedBy = new Map<string, MappingRow>();
  for (const row of rows) {
    if (row.include) fedBy.set(row.target_column.trim().toLowerCase(), row);
  }
  return (
    <section aria-labelledby="existing-columns-heading" className="flex flex-col gap-2" data-testid="existing-table-columns">
      <h3 id="existing-columns-heading" className="text-sm font-medium">
        Columns of {table.schema}.{table.table}
      </h3>
      <div className="rounded-lg border">
        <Table aria-label={`Columns of ${table.schema}.${table.table}`}>
          <TableHeader>
            <TableRow>
              <TableHead>Column</TableHead>
              <TableHead>Type</TableHead>
              <TableHead>Filled from</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {table.columns.map((column) => {
              const row = fedBy.get(column.name.toLowerCase());
              const required = !column.nullable && !column.has_default;
              return (
                <TableRow key={column.name} data-testid={`existing-column-${column.name}`}>
                  <TableCell className="font-mono">{column.name}</TableCell>
                  <TableCell>
                    <span className="font-mono text-xs">{column.type}</span>
                    {!column.nullable && (
                      <Badge variant="secondary" className="ml-2">
                        NOT NULL
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell className="text-sm">
                    {row ? (
                      <span className="flex items-center gap-1">
                        <ArrowLeftIcon className="size-3 text-muted-foreground" aria-hidden />
                        {row.source_column !== null ? (
                          <>
                            {row.source_name} <span className="font-mono text-xs text-muted-foreground">{row.target_type}</span>
                          </>
                        ) : (
                          <>calculated: <span className="font-mono text-xs">{row.expression}</span></>
                        )}
                      </span>
                    ) : required ? (
                      <span className="text-destructive">nothing — the table needs a value here</span>
                    ) : (
                      <span className="text-muted-foreground">{column.has_default ? "its default" : "NULL"}</span>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </div>
    </section>
  );
}
