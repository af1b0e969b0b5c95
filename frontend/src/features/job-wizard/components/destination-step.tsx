import { AlertTriangleIcon, PlugZapIcon, RefreshCwIcon } from "lucide-react";
import * as React from "react";
import { Controller, useFormContext, useWatch } from "react-hook-form";

import { ConnectionTestResult } from "@/components/connection-test-result";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ErrorMessage } from "@/components/ui/error-message";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { RadioGroup, RadioGroupItem } from "@/components/ui/radio-group";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Textarea } from "@/components/ui/textarea";
import { useCredentials } from "@/features/job-wizard/api/get-credentials";
import { useSchemas } from "@/features/job-wizard/api/get-schemas";
import { useTables } from "@/features/job-wizard/api/get-tables";
import { S3Options } from "@/features/job-wizard/components/s3-options";
import type { WizardValues } from "@/features/job-wizard/utils/wizard-schema";
import { useTestCredential } from "@/lib/requests/test-credential";
import type { CredentialRead } from "@/types/api";

const KIND_LABELS: Record<CredentialRead["kind"], string> = {
  postgres: "PostgreSQL",
  redshift: "Redshift",
  duckdb: "DuckDB",
  mysql: "MySQL / MariaDB",
  sqlserver: "SQL Server",
  oracle: "Oracle",
  s3: "Amazon S3",
  snowflake: "Snowflake",
};

function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? (
    <p id={id} className="text-xs text-destructive">
      {message}
    </p>
  ) : null;
}

// The schema list's choice that stands for "a schema not there yet" (Select values cannot be empty).
const NEW_SCHEMA = "\u0000new-schema";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The schema a destination most likely wants by default. */
function preferredSchema(schemas: string[]): string {
  return ["public", "main"].find((name) => schemas.includes(name)) ?? schemas[0] ?? "";
}

/** Step 1: job name, destination connection (tested inline), schema, and new or existing table. */
/** The app layer's control for creating a connection without leaving the wizard; it reports what it created. */
export type RenderNewCredential = (onCreated: (credential: CredentialRead) => void) => React.ReactNode;

export function DestinationStep({
  defaultTable,
  ownTable = null,
  renderNewCredential,
}: {
  defaultTable: string;
  /** The table an edited job writes to now (`credential/schema/table`): not a clash for a "new" table. */
  ownTable?: string | null;
  renderNewCredential?: RenderNewCredential;
}) {
  const { control, register, setValue, getValues, formState } = useFormContext<WizardValues>();
  const errors = formState.errors;
  const [credentialId, schema, tableMode, targetTable] = useWatch({
    control,
    name: ["credential_id", "target_schema", "table_mode", "target_table"],
  });
  const selectedId = typeof credentialId === "number" ? credentialId : null;

  const credentials = useCredentials();
  const schemas = useSchemas(selectedId);
  const tables = useTables(selectedId, schema);
  const test = useTestCredential();

  // Defaults arrive with the data: the built-in warehouse, then the destination's usual schema.
  React.useEffect(() => {
    const items = credentials.data?.items;
    if (!items?.length || typeof getValues("credential_id") === "number") return;
    const preferred = items.find((c) => c.is_builtin) ?? items[0];
    if (preferred) setValue("credential_id", preferred.id, { shouldValidate: true });
  }, [credentials.data, getValues, setValue]);

  // A schema the user names that the destination lacks is created by the first load (the writers
  // create a missing schema), so a name not in the list is kept: it is a new schema, never reset.
  const [creatingSchema, setCreatingSchema] = React.useState(false);
  const newSchema = creatingSchema || (!!schemas.data && schema !== "" && !schemas.data.includes(schema));

  React.useEffect(() => {
    if (!schemas.data || creatingSchema || getValues("target_schema")) return;
    setValue("target_schema", preferredSchema(schemas.data), { shouldValidate: !!schemas.data.length });
  }, [schemas.data, creatingSchema, getValues, setValue]);

  const tableNames = tables.data?.map((t) => t.name) ?? [];
  const own = `${selectedId}/${schema}/${targetTable.trim().toLowerCase()}` === ownTable;
  const newNameTaken =
    tableMode === "new" && !own && tableNames.some((n) => n.toLowerCase() === targetTable.trim().toLowerCase());

  function pickCredential(id: number) {
    setValue("credential_id", id, { shouldValidate: true, shouldDirty: true });
    setValue("target_schema", "");
    setCreatingSchema(false);
    test.reset();
  }

  return (
    <div className="flex flex-col gap-6" data-testid="wizard-step-destination">
      <div className="grid gap-4 md:grid-cols-2">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="job-name">Job name</Label>
          <Input
            id="job-name"
            data-testid="job-name-input"
            aria-invalid={errors.name ? true : undefined}
            aria-describedby="job-name-error"
            {...register("name")}
          />
          <FieldError id="job-name-error" message={errors.name?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="job-description">Description (optional)</Label>
          <Textarea id="job-description" rows={1} className="min-h-9" {...register("description")} />
        </div>
      </div>

      <section aria-labelledby="destination-heading" className="flex flex-col gap-3">
        <h3 id="destination-heading" className="font-medium">
          Destination
        </h3>
        {credentials.isPending && <Skeleton className="h-9 w-full max-w-md" />}
        {credentials.isError && (
          <ErrorMessage error={credentials.error} title="Could not load connections" onRetry={() => void credentials.refetch()} />
        )}
        {credentials.data && (
          <div className="flex flex-wrap items-end gap-2">
            <div className="flex min-w-64 flex-1 flex-col gap-1.5 md:max-w-md">
              <Label htmlFor="credential">Connection</Label>
              <Select
                value={selectedId === null ? "" : String(selectedId)}
                onValueChange={(value) => pickCredential(Number(value))}
              >
                <SelectTrigger id="credential" data-testid="credential-select" aria-invalid={errors.credential_id ? true : undefined}>
                  <SelectValue placeholder="Pick a connection" />
                </SelectTrigger>
                <SelectContent>
                  {credentials.data.items.map((credential) => (
                    <SelectItem key={credential.id} value={String(credential.id)}>
                      {credential.name}
                      <Badge variant="secondary">{KIND_LABELS[credential.kind]}</Badge>
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </div>
            <Button
              variant="outline"
              disabled={selectedId === null || test.isPending}
              onClick={() => selectedId !== null && test.mutate(selectedId)}
              data-testid="test-credential-button"
            >
              <PlugZapIcon />
              {test.isPending ? "Testing…" : "Test connection"}
            </Button>
            {renderNewCredential?.((credential) => pickCredential(credential.id))}
          </div>
        )}
        {credentials.data?.items.length === 0 && (
          <p className="text-sm text-muted-foreground">No connections yet: create one to load into.</p>
        )}
        <FieldError id="credential-error" message={errors.credential_id?.message} />
        <ConnectionTestResult result={test.data} error={test.error ?? undefined} />
      </section>

      {selectedId !== null && (
        <section aria-labelledby="target-heading" className="flex flex-col gap-4">
          <h3 id="target-heading" className="font-medium">
            Target table
          </h3>
          <div className="flex flex-col gap-1.5 md:max-w-md">
            <Label htmlFor="target-schema">Schema</Label>
            {schemas.isPending && <Skeleton className="h-9" />}
            {schemas.isError && (
              <ErrorMessage error={schemas.error} title="Could not list schemas" onRetry={() => void schemas.refetch()} />
            )}
            {schemas.data && (
              <div className="flex items-center gap-2">
                <Controller
                  control={control}
                  name="target_schema"
                  render={({ field }) => (
                    <Select
                      value={newSchema ? NEW_SCHEMA : field.value}
                      onValueChange={(value) => {
                        setCreatingSchema(value === NEW_SCHEMA);
                        field.onChange(value === NEW_SCHEMA ? "" : value);
                      }}
                    >
                      <SelectTrigger id="target-schema" data-testid="schema-select" aria-invalid={errors.target_schema ? true : undefined}>
                        <SelectValue placeholder="Pick a schema" />
                      </SelectTrigger>
                      <SelectContent>
                        {schemas.data.map((name) => (
                          <SelectItem key={name} value={name}>
                            {name}
                          </SelectItem>
                        ))}
                        <SelectItem value={NEW_SCHEMA} data-testid="new-schema-option">
                          New schema…
                        </SelectItem>
                      </SelectContent>
                    </Select>
                  )}
                />
                <Button
                  variant="outline"
                  size="icon"
                  aria-label="Refresh the list of schemas"
                  title="Refresh the list of schemas (one created elsewhere shows up; nothing else changes)"
                  disabled={schemas.isFetching}
                  onClick={() => void schemas.refetch()}
                  data-testid="schemas-refresh"
                >
                  <RefreshCwIcon className={schemas.isFetching ? "animate-spin" : undefined} />
                </Button>
              </div>
            )}
            {newSchema && (
              <>
                <Label htmlFor="new-schema" className="sr-only">
                  New schema name
                </Label>
                <Input
                  id="new-schema"
                  data-testid="new-schema-input"
                  className="font-mono"
                  placeholder="new_schema_name"
                  value={schema}
                  onChange={(event) => setValue("target_schema", event.target.value, { shouldValidate: true, shouldDirty: true })}
                  aria-describedby="new-schema-help"
                />
                <p id="new-schema-help" className="text-xs text-muted-foreground">
                  {schema && !IDENTIFIER.test(schema)
                    ? "Use letters, digits and _ only, not starting with a digit."
                    : "It does not exist yet: the first load creates it."}
                </p>
              </>
            )}
            <FieldError id="schema-error" message={errors.target_schema?.message} />
          </div>

          <Controller
            control={control}
            name="table_mode"
            render={({ field }) => (
              <RadioGroup
                value={field.value}
                onValueChange={(value) => {
                  field.onChange(value);
                  // An existing table must be picked from the list; a new one starts from the file's name.
                  setValue("target_table", value === "existing" ? "" : defaultTable);
                }}
                aria-label="Table"
                className="flex flex-wrap gap-6"
              >
                <div className="flex items-center gap-2">
                  <RadioGroupItem value="new" id="table-mode-new" data-testid="table-mode-new" />
                  <Label htmlFor="table-mode-new">Create a new table</Label>
                </div>
                <div className="flex items-center gap-2">
                  <RadioGroupItem value="existing" id="table-mode-existing" data-testid="table-mode-existing" />
                  <Label htmlFor="table-mode-existing">Load into an existing table</Label>
                </div>
              </RadioGroup>
            )}
          />

          <div className="flex flex-col gap-1.5 md:max-w-md">
            <Label htmlFor="target-table">{tableMode === "new" ? "New table name" : "Existing table"}</Label>
            {tableMode === "new" ? (
              <Input
                id="target-table"
                data-testid="table-name-input"
                className="font-mono"
                aria-invalid={errors.target_table ? true : undefined}
                aria-describedby="target-table-error"
                {...register("target_table")}
              />
            ) : (
              <>
                {tables.isPending && <Skeleton className="h-9" />}
                {tables.isError && <ErrorMessage error={tables.error} title="Could not list tables" />}
                {tables.data && tables.data.length === 0 && (
                  <p className="text-sm text-muted-foreground">There are no tables in {schema} yet: create a new one.</p>
                )}
                {tables.data && (
                  <div className="flex items-center gap-2">
                    {tables.data.length > 0 && (
                      <Controller
                        control={control}
                        name="target_table"
                        render={({ field }) => (
                          <Select value={field.value} onValueChange={field.onChange}>
                            <SelectTrigger id="target-table" data-testid="existing-table-select" className="font-mono">
                              <SelectValue placeholder="Pick a table" />
                            </SelectTrigger>
                            <SelectContent>
                              {tables.data.map((table) => (
                                <SelectItem key={table.name} value={table.name} className="font-mono">
                                  {table.name}
                                </SelectItem>
                              ))}
                            </SelectContent>
                          </Select>
                        )}
                      />
                    )}
                    <Button
                      variant="outline"
                      size="icon"
                      aria-label="Refresh the list of tables"
                      title="Refresh the list of tables"
                      disabled={tables.isFetching}
                      onClick={() => void tables.refetch()}
                      data-testid="tables-refresh"
                    >
                      <RefreshCwIcon className={tables.isFetching ? "animate-spin" : undefined} />
                    </Button>
                  </div>
                )}
              </>
            )}
            <FieldError id="target-table-error" message={errors.target_table?.message} />
            {newNameTaken && (
              <Alert variant="warning" className="mt-1">
                <AlertTriangleIcon />
                <AlertDescription>
                  {schema}.{targetTable.trim()} already exists. Pick “Load into an existing table” to add to it.
                </AlertDescription>
              </Alert>
            )}
          </div>
        </section>
      )}
      <S3Options />
    </div>
  );
}
