import { OffsetPager } from "@/components/offset-pager";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatNumber } from "@/lib/format";
import type { QueryResult } from "@/types/api";

/** A value as the API sent it: decimals and big integers are strings and stay exactly as written. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

const RIGHT_ALIGNED = new Set(["integer", "float", "decimal"]);

/** One page of typed rows (a table preview or a query's result) with its pager. */
export function ResultGrid({
  result,
  label,
  onOffsetChange,
}: {
  result: QueryResult;
  label: string;
  onOffsetChange: (offset: number) => void;
}) {
  const { columns, rows, offset, limit, has_more: hasMore } = result;
  const end = offset + rows.length;
  return (
    <div className="flex flex-col gap-3">
      <p className="text-sm text-muted-foreground">
        {rows.length === 0 ? (
          "No rows."
        ) : (
          <>
            Rows {formatNumber(offset + 1)}–{formatNumber(end)}
            {hasMore && ", more follow"} · {Math.round(result.elapsed_ms)} ms
          </>
        )}
        {result.capped && " · the server stops at its row cap: later rows are not served"}
      </p>
      <div className="overflow-x-auto rounded-md border">
        <Table aria-label={label}>
          <TableHeader>
            <TableRow>
              {columns.map((column, index) => (
                <TableHead key={index}>
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
                  <TableCell
                    key={column}
                    className={`max-w-xs truncate font-mono text-xs ${RIGHT_ALIGNED.has(columns[column]?.value_type ?? "") ? "text-right" : ""}`}
                    title={cellText(value)}
                  >
                    {value === null ? <span className="text-muted-foreground italic">null</span> : cellText(value)}
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <OffsetPager
        offset={offset}
        pageSize={limit}
        // The API says whether another page follows, not how many rows there are.
        total={hasMore ? end + 1 : end}
        end={end}
        onOffsetChange={onOffsetChange}
      />
    </div>
  );
}
