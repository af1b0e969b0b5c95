import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/utils";
import type { ColumnType } from "@/types/api";

const TYPE_STYLE: Record<ColumnType, string> = {
  TEXT: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200",
  INTEGER: "bg-blue-100 text-blue-800 dark:bg-blue-900/40 dark:text-blue-200",
  BIGINT: "bg-blue-100 text-blue-800 dark:bg-blue-900/40 dark:text-blue-200",
  NUMERIC: "bg-indigo-100 text-indigo-800 dark:bg-indigo-900/40 dark:text-indigo-200",
  FLOAT: "bg-indigo-100 text-indigo-800 dark:bg-indigo-900/40 dark:text-indigo-200",
  BOOLEAN: "bg-teal-100 text-teal-800 dark:bg-teal-900/40 dark:text-teal-200",
  DATE: "bg-amber-100 text-amber-800 dark:bg-amber-900/40 dark:text-amber-200",
  TIMESTAMP: "bg-orange-100 text-orange-800 dark:bg-orange-900/40 dark:text-orange-200",
  TIMESTAMPTZ: "bg-orange-100 text-orange-800 dark:bg-orange-900/40 dark:text-orange-200",
};

/** A column's SQL type, coloured by family so numbers, dates and text stand apart in a table. */
export function TypeBadge({ type, className }: { type: ColumnType | string; className?: string }) {
  const style = TYPE_STYLE[type as ColumnType] ?? "";
  return (
    <Badge variant="outline" className={cn("border-transparent font-mono", style, className)} data-type={type}>
      {type}
    </Badge>
  );
}
