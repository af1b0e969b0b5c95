import * as React from "react";

import { Badge } from "@/components/ui/badge";
import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useTable } from "@/features/database-browser/api/get-table";
import { useTableRows } from "@/features/database-browser/api/get-table-rows";
import { ResultGrid } from "@/features/database-browser/components/result-grid";
import { formatBytes, formatNumber } from "@/lib/format";
import type { CatalogTableDetail } from "@/types/api";

const PAGE_SIZE = 50;

function ColumnList({ detail }: { detail: CatalogTableDetail }) {
  const unique = new Set(detail.unique_keys.filter((key) => key.length === 1).map((key) => key[0]));
  const composite = detail.unique_keys.filter((key) => key.length > 1);
  return (
    <div className="flex flex-col gap-2">
      <div className="overflow-x-auto rounded-md border">
        <Table aria-label={`Columns of ${detail.schema}.${detail.name}`}>
          <TableHeader>
            <TableRow>
              <TableHead>Column</TableHead>
              <TableHead>Type</TableHead>
              <TableHead>Nullable</TableHead>
              <TableHead>Default</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {detail.columns.map((column) => (
              <TableRow key={column.name}>
                <TableCell className="font-mono text-xs">
                  {column.name}
                  {detail.primary_key.includes(column.name) && (
                    <Badge variant="info" className="ml-2">
                      PK
                    </Badge>
                  )}
                  {unique.has(column.name) && (
                    <Badge variant="secondary" className="ml-2">
                      unique
                    </Badge>
                  )}
                </TableCell>
                <TableCell className="font-mono text-xs">{column.type}</TableCell>
                <TableCell>{column.nullable ? "yes" : "no"}</TableCell>
                <TableCell className="font-mono text-xs text-muted-foreground">{column.default ?? ""}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      {detail.primary_key.length > 1 && (
        <p className="text-xs text-muted-foreground">
          Primary key: <span className="font-mono">({detail.primary_key.join(", ")})</span>
        </p>
      )}
      {composite.map((key) => (
        <p key={key.join(",")} className="text-xs text-muted-foreground">
          Unique: <span className="font-mono">({key.join(", ")})</span>
        </p>
      ))}
    </div>
  );
}

function RowsPreview({ credentialId, schema, table }: { credentialId: number; schema: string; table: string }) {
  const [offset, setOffset] = React.useState(0);
  const rows = useTableRows(credentialId, { schema, table, offset, limit: PAGE_SIZE });
  if (rows.isPending) return <Skeleton className="h-32 w-full" aria-busy="true" />;
  if (rows.isError) {
    return <ErrorMessage title="Could not read the rows" error={rows.error} onRetry={() => void rows.refetch()} />;
  }
  return <ResultGrid result={rows.data} label={`Rows of ${schema}.${table}`} onOffsetChange={setOffset} />;
}

/** The selected table: its columns and keys, then its rows a page at a time (primary key order). */
export function TablePanel({ credentialId, schema, table }: { credentialId: number; schema: string; table: string }) {
  const detail = useTable(credentialId, schema, table);
  if (detail.isPending) return <Skeleton className="h-32 w-full" aria-busy="true" />;
  if (detail.isError) {
    return <ErrorMessage title={`Could not describe ${schema}.${table}`} error={detail.error} />;
  }
  const { data } = detail;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <h2 className="font-mono text-lg font-semibold">
          {data.schema}.{data.name}
        </h2>
        <p className="text-sm text-muted-foreground">
          {data.kind.replace("_", " ")} · ~{formatNumber(data.row_estimate)} rows (estimate)
          {data.size_bytes != null && ` · ${formatBytes(data.size_bytes)}`}
        </p>
      </div>
      <ColumnList detail={data} />
      <section className="flex flex-col gap-2">
        <h3 className="text-sm font-semibold">Data</h3>
        <RowsPreview key={`${schema}.${table}`} credentialId={credentialId} schema={schema} table={table} />
      </section>
    </div>
  );
}
