import { ChevronDownIcon, ChevronRightIcon, EyeIcon, TableIcon } from "lucide-react";
import * as React from "react";

import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import { useBrowseSchemas } from "@/lib/requests/browse-schemas";
import { useBrowseTables } from "@/lib/requests/browse-tables";
import { formatBytes, formatNumber } from "@/lib/format";
import { cn } from "@/lib/utils";
import type { CatalogTable } from "@/types/api";

/** "view · ~1,200 rows · 2.0 KB": the kind (tables go without), the database's estimate, the size. */
function tableFacts(table: CatalogTable): string {
  return [
    table.kind !== "table" && table.kind.replace("_", " "),
    table.row_estimate != null && `~${formatNumber(table.row_estimate)} rows`,
    table.size_bytes != null && formatBytes(table.size_bytes),
  ]
    .filter(Boolean)
    .join(" · ");
}

export type TableSelection = { schema: string; table: string };

function SchemaNode({
  credentialId,
  schema,
  initiallyOpen,
  selected,
  onSelect,
}: {
  credentialId: number;
  schema: string;
  initiallyOpen: boolean;
  selected: TableSelection | null;
  onSelect: (selection: TableSelection) => void;
}) {
  const [open, setOpen] = React.useState(initiallyOpen);
  const tables = useBrowseTables(credentialId, schema, { enabled: open });
  const Chevron = open ? ChevronDownIcon : ChevronRightIcon;
  return (
    <li>
      <button
        type="button"
        className="flex w-full items-center gap-1 rounded px-1 py-1 text-left text-sm font-medium hover:bg-muted"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <Chevron className="size-4 shrink-0" />
        <span className="truncate font-mono">{schema}</span>
      </button>
      {open && (
        <div className="ml-4">
          {tables.isPending && <Skeleton className="h-6 w-full" aria-busy="true" />}
          {tables.isError && <ErrorMessage title={`Could not list ${schema}`} error={tables.error} />}
          {tables.data?.length === 0 && <p className="px-1 py-1 text-xs text-muted-foreground">No tables or views.</p>}
          {tables.data && tables.data.length > 0 && (
            <ul aria-label={`Tables in ${schema}`}>
              {tables.data.map((table) => {
                const isSelected = selected?.schema === schema && selected.table === table.name;
                const Icon = table.kind === "table" ? TableIcon : EyeIcon;
                return (
                  <li key={table.name}>
                    <button
                      type="button"
                      aria-current={isSelected ? "true" : undefined}
                      className={cn(
                        "flex w-full flex-col rounded px-1 py-1 text-left hover:bg-muted",
                        isSelected && "bg-muted",
                      )}
                      onClick={() => onSelect({ schema, table: table.name })}
                    >
                      <span className="flex items-center gap-1 text-sm">
                        <Icon className="size-3.5 shrink-0 text-muted-foreground" aria-hidden="true" />
                        <span className="truncate font-mono">{table.name}</span>
                      </span>
                      <span className="pl-4.5 text-xs text-muted-foreground">{tableFacts(table)}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </li>
  );
}

/** Schemas, each opening onto its tables and views with the database's row estimates and sizes. */
export function SchemaTree({
  credentialId,
  selected,
  openSchema,
  onSelect,
}: {
  credentialId: number;
  selected: TableSelection | null;
  /** Opened at first (the preselected table's schema). */
  openSchema: string | null;
  onSelect: (selection: TableSelection) => void;
}) {
  const schemas = useBrowseSchemas(credentialId);
  if (schemas.isPending) return <Skeleton className="h-24 w-full" aria-busy="true" />;
  if (schemas.isError) {
    return <ErrorMessage title="Could not list the schemas" error={schemas.error} onRetry={() => void schemas.refetch()} />;
  }
  if (schemas.data.length === 0) return <p className="text-sm text-muted-foreground">No schemas.</p>;
  return (
    <nav aria-label="Schemas and tables">
      <ul>
        {schemas.data.map((schema) => (
          <SchemaNode
            key={schema}
            credentialId={credentialId}
            schema={schema}
            initiallyOpen={schema === openSchema || schemas.data.length === 1}
            selected={selected}
            onSelect={onSelect}
          />
        ))}
      </ul>
    </nav>
  );
}
