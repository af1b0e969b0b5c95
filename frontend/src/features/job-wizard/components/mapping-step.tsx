import type { ComponentType } from "react";
import { Controller, useFormContext, useWatch } from "react-hook-form";

import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import { mappingProblems, type MappingEditorProps } from "@/lib/mapping-rows";
import { useTableSchema } from "@/features/job-wizard/api/get-table-schema";
import { ExistingTableColumns } from "@/features/job-wizard/components/existing-table-columns";
import type { RowTransformsEditorProps } from "@/features/job-wizard/utils/composed";
import type { WizardValues } from "@/features/job-wizard/utils/wizard-schema";
import type { UploadedFileRead } from "@/types/api";

/** Step 2: which columns go where. Loading into an existing table offers its columns to match.
 * `MappingEditor` is the app layer's editor (the column-mapping feature). */
export function MappingStep({
  file,
  MappingEditor,
  RowTransformsEditor,
}: {
  file: UploadedFileRead;
  MappingEditor: ComponentType<MappingEditorProps>;
  RowTransformsEditor?: ComponentType<RowTransformsEditorProps>;
}) {
  const { control, formState } = useFormContext<WizardValues>();
  const [credentialId, schema, tableMode, table, mappings] = useWatch({
    control,
    name: ["credential_id", "target_schema", "table_mode", "target_table", "mappings"],
  });
  const existing = useTableSchema(tableMode === "existing" ? credentialId : null, schema, table);

  return (
    <div className="flex flex-col gap-4" data-testid="wizard-step-mapping">
      <p className="text-sm text-muted-foreground">
        {tableMode === "new"
          ? `Each included column becomes a column of the new table ${schema}.${table}.`
          : `Loads into the existing table ${schema}.${table}: file columns were matched to its columns by name (unmatched ones are excluded); the table is not altered.`}
      </p>
      {existing.isPending && tableMode === "existing" && <Skeleton className="h-40" />}
      {existing.isError && (
        <ErrorMessage error={existing.error} title={`Could not read the columns of ${schema}.${table}`} onRetry={() => void existing.refetch()} />
      )}
      {tableMode === "existing" && existing.data && (
        <ExistingTableColumns table={existing.data} rows={mappings} />
      )}
      {(tableMode === "new" || existing.data) && (
        <Controller
          control={control}
          name="mappings"
          render={({ field }) => (
            <MappingEditor
              fileId={file.id}
              sourceColumns={file.columns}
              targetColumns={existing.data?.columns ?? null}
              value={field.value}
              onChange={field.onChange}
              problems={mappingProblems(field.value)}
            />
          )}
        />
      )}
      {formState.errors.mappings?.message && (
        // Several problems (the server's check of an existing table) arrive one per line.
        <ul className="list-disc pl-4 text-sm text-destructive" role="alert" data-testid="mapping-problems">
          {formState.errors.mappings.message.split("\n").map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
      {RowTransformsEditor && (
        <section aria-labelledby="row-transforms-heading" className="flex flex-col gap-2" data-testid="row-transforms-section">
          <h3 id="row-transforms-heading" className="font-medium">
            Row transforms
          </h3>
          <p className="text-sm text-muted-foreground">Applied in order to each batch after the mapping: filter, dedupe, derive columns.</p>
          <Controller
            control={control}
            name="row_transforms"
            render={({ field }) => (
              <RowTransformsEditor
                value={field.value}
                onChange={field.onChange}
                columns={mappings
                  .filter((row) => row.include && row.target_column.trim())
                  .map((row) => ({ name: row.target_column.trim(), type: row.target_type }))}
              />
            )}
          />
        </section>
      )}
    </div>
  );
}
