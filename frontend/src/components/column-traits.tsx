import { TypeBadge } from "@/components/ui/type-badge";
import { describeDateFormat } from "@/lib/date-format";

/** What reading a file column involves besides its type (the API's file and preview columns share these). */
export type ColumnTraits = {
  sql_name: string;
  type: string;
  format?: string | null;
  timezone?: string | null;
  null_markers?: string[];
};

/**
 * A column's type with how it is read: "DATE · DD.MM.YYYY" for dates not written as ISO 8601, the
 * zone of naive values for TIMESTAMPTZ, and which texts were read as NULL.
 */
export function ColumnTraitBadges({ column }: { column: ColumnTraits }) {
  const markers = column.null_markers ?? [];
  return (
    <div className="flex flex-wrap items-center gap-1">
      <TypeBadge type={column.type} />
      {column.format && (
        <span
          className="font-mono text-xs font-normal text-muted-foreground"
          title={`Written as ${column.format}`}
          data-testid={`column-format-${column.sql_name}`}
        >
          · {describeDateFormat(column.format)}
        </span>
      )}
      {column.type === "TIMESTAMPTZ" && column.timezone && (
        <span
          className="text-xs font-normal text-muted-foreground"
          title={`Values without an offset are read as ${column.timezone} time`}
          data-testid={`column-zone-${column.sql_name}`}
        >
          · no offset = {column.timezone}
        </span>
      )}
      {markers.length > 0 && (
        <span
          className="basis-full text-xs font-normal text-muted-foreground"
          title="These texts were read as NULL"
          data-testid={`column-nulls-${column.sql_name}`}
        >
          NULL: {markers.map((marker) => `“${marker}”`).join(", ")}
        </span>
      )}
    </div>
  );
}
