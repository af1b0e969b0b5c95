import { ChevronDownIcon, ChevronRightIcon } from "lucide-react";
import * as React from "react";

import { Checkbox } from "@/components/ui/checkbox";
import { ErrorMessage } from "@/components/ui/error-message";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { tableKey, type SourceTableRef } from "@/features/job-wizard/utils/database-wizard-schema";
import { useBrowseSchemas } from "@/lib/requests/browse-schemas";
import { useBrowseTables } from "@/lib/requests/browse-tables";
import { formatNumber } from "@/lib/format";

function SchemaBranch({
  credentialId,
  schema,
  initiallyOpen,
  value,
  onChange,
}: {
  credentialId: number;
  schema: string;
  initiallyOpen: boolean;
  value: SourceTableRef[];
  onChange: (tables: SourceTableRef[]) => void;
}) {
  const [open, setOpen] = React.useState(initiallyOpen);
  const tables = useBrowseTables(credentialId, schema, { enabled: open });
  const chosen = new Set(value.map(tableKey));
  const Chevron = open ? ChevronDownIcon : ChevronRightIcon;
  const names = (tables.data ?? []).map((table) => table.name);
  const allChosen = names.length > 0 && names.every((name) => chosen.has(tableKey({ schema, table: name })));

  function toggle(table: string, on: boolean) {
    const ref = { schema, table };
    onChange(on ? [...value, ref] : value.filter((item) => tableKey(item) !== tableKey(ref)));
  }

  return (
    <li>
      <div className="flex items-center gap-2">
        <button
          type="button"
          className="flex items-center gap-1 rounded px-1 py-1 text-sm font-medium hover:bg-muted"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          data-testid={`source-schema-${schema}`}
        >
          <Chevron className="size-4 shrink-0" />
          <span className="font-mono">{schema}</span>
        </button>
        {open && names.length > 0 && (
          <button
            type="button"
            className="text-xs text-primary underline-offset-4 hover:underline"
            onClick={() =>
              onChange(
                allChosen
                  ? value.filter((item) => item.schema !== schema)
                  : [...value, ...names.filter((name) => !chosen.has(tableKey({ schema, table: name }))).map((name) => ({ schema, table: name }))],
              )
            }
          >
            {allChosen ? "None" : "All"}
          </button>
        )}
      </div>
      {open && (
        <div className="ml-6">
          {tables.isPending && <Skeleton className="h-6 w-full" aria-busy="true" />}
          {tables.isError && <ErrorMessage title={`Could not list ${schema}`} error={tables.error} />}
          {tables.data?.length === 0 && <p className="py-1 text-xs text-muted-foreground">No tables or views.</p>}
          {tables.data && tables.data.length > 0 && (
            <ul aria-label={`Tables in ${schema}`} className="flex flex-col gap-1 py-1">
              {tables.data.map((table) => {
                const id = `source-table-${schema}-${table.name}`;
                return (
                  <li key={table.name} className="flex items-center gap-2">
                    <Checkbox
                      id={id}
                      data-testid={`source-table-${schema}.${table.name}`}
                      checked={chosen.has(tableKey({ schema, table: table.name }))}
                      onCheckedChange={(checked) => toggle(table.name, checked === true)}
                    />
                    <Label htmlFor={id} className="font-mono font-normal">
                      {table.name}
                    </Label>
                    <span className="text-xs text-muted-foreground">
                      {table.kind !== "table" && table.kind.replace("_", " ")}
                      {table.row_estimate != null && ` ~${formatNumber(table.row_estimate)} rows`}
                    </span>
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

/** The source connection's schemas, each opening onto its tables and views with a checkbox each. */
export function SourceTablePicker({
  credentialId,
  value,
  onChange,
}: {
  credentialId: number;
  value: SourceTableRef[];
  onChange: (tables: SourceTableRef[]) => void;
}) {
  const schemas = useBrowseSchemas(credentialId);
  if (schemas.isPending) return <Skeleton className="h-24 w-full" aria-busy="true" />;
  if (schemas.isError) {
    return <ErrorMessage title="Could not list the schemas" error={schemas.error} onRetry={() => void schemas.refetch()} />;
  }
  const preselected = new Set(value.map((ref) => ref.schema));
  return (
    <ul aria-label="Source schemas and tables" className="max-h-96 overflow-auto rounded-md border p-2" data-testid="source-table-picker">
      {schemas.data.map((schema) => (
        <SchemaBranch
          key={schema}
          credentialId={credentialId}
          schema={schema}
          initiallyOpen={preselected.has(schema) || schemas.data.length === 1}
          value={value}
          onChange={onChange}
        />
      ))}
    </ul>
  );
}
