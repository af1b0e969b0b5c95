import { Controller, useFormContext, useWatch } from "react-hook-form";

import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { KeyPicker } from "@/features/job-wizard/components/tables-step";
import type { WizardEditors } from "@/features/job-wizard/utils/composed";
import type { DatabaseWizardValues } from "@/features/job-wizard/utils/database-wizard-schema";
import { mappingProblems } from "@/lib/mapping-rows";
import type { LoadStrategy } from "@/types/api";

const QUERY_STRATEGIES: { value: LoadStrategy; label: string }[] = [
  { value: "INSERT", label: "Insert (append)" },
  { value: "UPSERT", label: "Upsert on key columns" },
  { value: "TRUNCATE_INSERT", label: "Replace (truncate + insert)" },
];

/** Step 3 of a query job: the proposed mapping of the query's columns, the strategy and row transforms. */
export function QueryMappingStep({ editors }: { editors: WizardEditors }) {
  const { control, formState } = useFormContext<DatabaseWizardValues>();
  const [columns, mappings, strategy, table, schema] = useWatch({
    control,
    name: ["query_columns", "mappings", "strategy", "target_table", "target_schema"],
  });
  const { mappingEditor: MappingEditor, rowTransformsEditor: RowTransformsEditor } = editors;
  const targets = mappings.filter((row) => row.include && row.target_column.trim()).map((row) => row.target_column.trim());
  const transformColumns = mappings
    .filter((row) => row.include && row.target_column.trim())
    .map((row) => ({ name: row.target_column.trim(), type: row.target_type }));
  const errors = formState.errors;

  return (
    <div className="flex flex-col gap-6" data-testid="wizard-step-mapping">
      <p className="text-sm text-muted-foreground">
        Each included column of the query becomes a column of the new table {schema}.{table}.
      </p>
      <Controller
        control={control}
        name="mappings"
        render={({ field }) => (
          <MappingEditor
            fileId=""
            sourceColumns={columns}
            targetColumns={null}
            value={field.value}
            onChange={field.onChange}
            problems={mappingProblems(field.value)}
          />
        )}
      />
      {errors.mappings?.message && <p className="text-sm text-destructive">{errors.mappings.message}</p>}
      <section className="flex flex-col gap-2">
        <h3 className="font-medium">Load strategy</h3>
        <Controller
          control={control}
          name="strategy"
          render={({ field }) => (
            <Select value={field.value} onValueChange={field.onChange}>
              <SelectTrigger className="w-72" aria-label="Load strategy" data-testid="query-strategy">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {QUERY_STRATEGIES.map((option) => (
                  <SelectItem key={option.value} value={option.value}>
                    {option.label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          )}
        />
        {strategy === "UPSERT" && (
          <Controller
            control={control}
            name="upsert_keys"
            render={({ field }) => <KeyPicker id="query" columns={targets} value={field.value} onChange={field.onChange} />}
          />
        )}
        {errors.upsert_keys?.message && <p className="text-xs text-destructive">{errors.upsert_keys.message}</p>}
      </section>
      {RowTransformsEditor && (
        <section className="flex flex-col gap-2">
          <h3 className="font-medium">Row transforms</h3>
          <Controller
            control={control}
            name="row_transforms"
            render={({ field }) => <RowTransformsEditor value={field.value} onChange={field.onChange} columns={transformColumns} />}
          />
        </section>
      )}
    </div>
  );
}
