import { ChevronDownIcon, ChevronRightIcon } from "lucide-react";
import * as React from "react";
import { Controller, useFormContext, useWatch } from "react-hook-form";

import { Checkbox } from "@/components/ui/checkbox";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import type { TableRow, DatabaseWizardValues } from "@/features/job-wizard/utils/database-wizard-schema";
import type { WizardEditors } from "@/features/job-wizard/utils/composed";
import { mappingProblems } from "@/lib/mapping-rows";
import { cn } from "@/lib/utils";
import type { LoadStrategy } from "@/types/api";

const TABLE_STRATEGIES: { value: LoadStrategy; label: string }[] = [
  { value: "INSERT", label: "Insert (append)" },
  { value: "UPSERT", label: "Upsert on the key" },
  { value: "TRUNCATE_INSERT", label: "Replace (truncate + insert)" },
  { value: "INCREMENTAL", label: "Incremental (cursor column)" },
];

/** Key columns to pick from: the included mapped columns. */
export function KeyPicker({
  id,
  columns,
  value,
  onChange,
}: {
  id: string;
  columns: string[];
  value: string[];
  onChange: (keys: string[]) => void;
}) {
  return (
    <div role="group" aria-label="Key columns" className="flex flex-wrap gap-x-4 gap-y-2">
      {columns.map((name) => (
        <div key={name} className="flex items-center gap-1.5">
          <Checkbox
            id={`${id}-key-${name}`}
            data-testid={`${id}-key-${name}`}
            checked={value.includes(name)}
            onCheckedChange={(checked) => onChange(checked === true ? [...value, name] : value.filter((key) => key !== name))}
          />
          <Label htmlFor={`${id}-key-${name}`} className="font-mono text-xs font-normal">
            {name}
          </Label>
        </div>
      ))}
    </div>
  );
}

function TableCard({
  table,
  onChange,
  editors,
}: {
  table: TableRow;
  onChange: (patch: Partial<TableRow>) => void;
  editors: WizardEditors;
}) {
  const [open, setOpen] = React.useState(false);
  const { mappingEditor: MappingEditor, rowTransformsEditor: RowTransformsEditor } = editors;
  const id = `table-${table.key}`;
  const columns = table.mappings.filter((row) => row.include && row.target_column.trim()).map((row) => row.target_column.trim());
  const transformColumns = table.mappings
    .filter((row) => row.include && row.target_column.trim())
    .map((row) => ({ name: row.target_column.trim(), type: row.target_type }));
  const sourceColumns = table.source_columns.map((column) => column.sql_name);
  const keyed = table.strategy === "UPSERT" || table.strategy === "INCREMENTAL";
  const Chevron = open ? ChevronDownIcon : ChevronRightIcon;

  return (
    <li className={cn("rounded-lg border", !table.include && "opacity-60")} data-testid={id}>
      <div className="flex flex-wrap items-center gap-3 p-3">
        <Switch
          checked={table.include}
          onCheckedChange={(include) => onChange({ include })}
          aria-label={`Load ${table.key}`}
          data-testid={`${id}-include`}
        />
        <span className="min-w-40 font-mono text-sm">{table.key}</span>
        <span aria-hidden>→</span>
        <Input
          aria-label={`Target table of ${table.key}`}
          data-testid={`${id}-target`}
          className="h-8 w-56 font-mono"
          value={table.target_table}
          onChange={(event) => onChange({ target_table: event.target.value })}
        />
        <Select value={table.strategy} onValueChange={(strategy) => onChange({ strategy: strategy as LoadStrategy })}>
          <SelectTrigger className="h-8 w-60" aria-label={`Strategy of ${table.key}`} data-testid={`${id}-strategy`}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {TABLE_STRATEGIES.map((option) => (
              <SelectItem key={option.value} value={option.value}>
                {option.label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
        <button
          type="button"
          className="ml-auto flex items-center gap-1 text-sm text-primary"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          data-testid={`${id}-details`}
        >
          <Chevron className="size-4" />
          {columns.length} columns{keyed && table.upsert_keys.length > 0 && ` · key ${table.upsert_keys.join(", ")}`}
        </button>
      </div>
      {table.include && (keyed || open) && (
        <div className="flex flex-col gap-4 border-t p-3">
          {keyed && (
            <div className="flex flex-col gap-1.5">
              <span className="text-sm font-medium">Key columns</span>
              <KeyPicker id={id} columns={columns} value={table.upsert_keys} onChange={(upsert_keys) => onChange({ upsert_keys })} />
            </div>
          )}
          {table.strategy === "INCREMENTAL" && (
            <div className="flex flex-wrap items-end gap-4">
              <div className="flex flex-col gap-1.5">
                <Label>Cursor column</Label>
                <Select value={table.cursor_column ?? ""} onValueChange={(cursor_column) => onChange({ cursor_column })}>
                  <SelectTrigger className="h-8 w-56" aria-label={`Cursor column of ${table.key}`} data-testid={`${id}-cursor`}>
                    <SelectValue placeholder="A timestamp or integer column" />
                  </SelectTrigger>
                  <SelectContent>
                    {sourceColumns.map((name) => (
                      <SelectItem key={name} value={name} className="font-mono">
                        {name}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </div>
              <div className="flex flex-col gap-1.5">
                <Label htmlFor={`${id}-lookback`}>Look-back (seconds, or units of an integer cursor)</Label>
                <Input
                  id={`${id}-lookback`}
                  type="number"
                  min={0}
                  className="h-8 w-40"
                  value={table.cursor_lookback ?? ""}
                  onChange={(event) => onChange({ cursor_lookback: event.target.value === "" ? null : Number(event.target.value) })}
                />
              </div>
              <p className="text-xs text-muted-foreground">
                Each run reads rows whose cursor is at or past the last loaded value minus the look-back, and merges them on the key.
              </p>
            </div>
          )}
          {open && (
            <>
              <MappingEditor
                fileId=""
                sourceColumns={table.source_columns}
                targetColumns={null}
                value={table.mappings}
                onChange={(mappings) => onChange({ mappings })}
                problems={mappingProblems(table.mappings)}
              />
              {RowTransformsEditor && (
                <div className="flex flex-col gap-1.5">
                  <span className="text-sm font-medium">Row transforms</span>
                  <RowTransformsEditor
                    value={table.row_transforms}
                    onChange={(row_transforms) => onChange({ row_transforms })}
                    columns={transformColumns}
                  />
                </div>
              )}
            </>
          )}
        </div>
      )}
    </li>
  );
}

/** Step 3 of a many-table job: per table, include it or not, its target name, strategy, keys, cursor and mapping. */
export function TablesStep({ editors }: { editors: WizardEditors }) {
  const { control, formState } = useFormContext<DatabaseWizardValues>();
  const tables = useWatch({ control, name: "tables" });
  const included = tables.filter((table) => table.include).length;
  return (
    <div className="flex flex-col gap-3" data-testid="wizard-step-tables">
      <p className="text-sm text-muted-foreground">
        {included} of {tables.length} tables will be loaded. Mappings were proposed from the source's column types; tables with
        a primary key are upserted on it.
      </p>
      <Controller
        control={control}
        name="tables"
        render={({ field }) => (
          <ul className="flex flex-col gap-2">
            {field.value.map((table, index) => (
              <TableCard
                key={table.key}
                table={table}
                editors={editors}
                onChange={(patch) => field.onChange(field.value.map((row, i) => (i === index ? { ...row, ...patch } : row)))}
              />
            ))}
          </ul>
        )}
      />
      {formState.errors.tables?.message && (
        <p role="alert" className="text-sm text-destructive" data-testid="tables-problems">
          {formState.errors.tables.message}
        </p>
      )}
    </div>
  );
}
