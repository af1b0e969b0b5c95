import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { ColumnTraitBadges } from "@/components/column-traits";
import { formatNumber } from "@/lib/format";
import { cn } from "@/lib/utils";
import type { FilePreview, InvalidCell, PreviewCell, PreviewColumn } from "@/types/api";

function cellKey(row: number, column: string) {
  return `${row}:${column}`;
}

/** Index flagged cells by page row and column (sql_name, or the display name as a fallback). */
function indexInvalidCells(preview: FilePreview): Map<string, InvalidCell> {
  const bySqlName = new Map(preview.columns.map((column) => [column.name, column.sql_name]));
  const index = new Map<string, InvalidCell>();
  for (const cell of preview.invalid_cells) {
    index.set(cellKey(cell.row, bySqlName.get(cell.column) ?? cell.column), cell);
  }
  return index;
}

function display(value: PreviewCell): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  return String(value);
}

function ColumnHead({ column }: { column: PreviewColumn }) {
  const range = column.min == null && column.max == null ? null : `${display(column.min)} … ${display(column.max)}`;
  return (
    <TableHead className="h-auto min-w-32 py-2 align-top" scope="col" data-testid={`preview-column-${column.sql_name}`}>
      <div className="flex flex-col gap-1">
        <span className="font-semibold text-foreground">{column.name}</span>
        <ColumnTraitBadges column={column} />
        <span className="text-xs font-normal">
          {formatNumber(column.null_count)} null{column.null_count === 1 ? "" : "s"}
        </span>
        {range && (
          <span className="max-w-56 truncate text-xs font-normal" title={range}>
            {range}
          </span>
        )}
      </div>
    </TableHead>
  );
}

/** The typed rows of one page; a value that would be rejected on load is highlighted, its reason in a tooltip. */
export function PreviewTable({ preview }: { preview: FilePreview }) {
  const invalid = indexInvalidCells(preview);
  return (
    <Table data-testid="preview-table" aria-label="File preview" containerClassName="max-h-[70vh] overflow-y-auto">
      <TableHeader className="sticky top-0 z-10 bg-background shadow-[0_1px_0_var(--border)]">
        <TableRow>
          <TableHead scope="col" className="w-12 text-right">
            #
          </TableHead>
          {preview.columns.map((column) => (
            <ColumnHead key={column.sql_name} column={column} />
          ))}
        </TableRow>
      </TableHeader>
      <TableBody>
        {preview.rows.map((row, rowIndex) => (
          <TableRow key={preview.offset + rowIndex}>
            <TableCell className="text-right text-xs text-muted-foreground tabular-nums">
              {formatNumber(preview.offset + rowIndex + 1)}
            </TableCell>
            {preview.columns.map((column, columnIndex) => {
              const value = row[columnIndex] ?? null;
              const flagged = invalid.get(cellKey(rowIndex, column.sql_name));
              const numeric = ["INTEGER", "BIGINT", "NUMERIC", "FLOAT"].includes(column.type);
              if (flagged) {
                return (
                  <TableCell key={column.sql_name} className="bg-destructive/10 p-0">
                    <Tooltip>
                      <TooltipTrigger asChild>
                        <span
                          tabIndex={0}
                          data-testid="invalid-cell"
                          aria-label={`${display(flagged.value ?? value)} — would be rejected: ${flagged.reason}`}
                          className="block cursor-help p-2 font-medium text-destructive underline decoration-dotted outline-none focus-visible:ring-2 focus-visible:ring-ring"
                        >
                          {display(flagged.value ?? value)}
                        </span>
                      </TooltipTrigger>
                      <TooltipContent>Would be rejected: {flagged.reason}</TooltipContent>
                    </Tooltip>
                  </TableCell>
                );
              }
              return (
                <TableCell
                  key={column.sql_name}
                  className={cn(
                    "max-w-72 truncate",
                    numeric && "text-right tabular-nums",
                    value === null && "text-muted-foreground italic",
                  )}
                  title={value === null ? undefined : display(value)}
                >
                  {display(value)}
                </TableCell>
              );
            })}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
