import { EyeIcon } from "lucide-react";
import * as React from "react";
import { Controller, useFormContext, useWatch } from "react-hook-form";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ErrorMessage } from "@/components/ui/error-message";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { RadioGroup, RadioGroupItem } from "@/components/ui/radio-group";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Textarea } from "@/components/ui/textarea";
import { useSourceCredentials } from "@/features/job-wizard/api/get-source-credentials";
import { SourceTablePicker } from "@/features/job-wizard/components/source-table-picker";
import type { DatabaseWizardValues } from "@/features/job-wizard/utils/database-wizard-schema";
import { useQueryResult } from "@/lib/requests/run-query";
import type { QueryRequest } from "@/types/api";

const PREVIEW_ROWS = 20;

function FieldError({ message }: { message?: string }) {
  return message ? <p className="text-xs text-destructive">{message}</p> : null;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The query's first rows, run read-only by the server (POST /credentials/{id}/query). */
function QueryPreview({ credentialId, request }: { credentialId: number; request: QueryRequest }) {
  const result = useQueryResult(credentialId, request);
  if (result.isPending) return <Skeleton className="h-24" aria-busy="true" />;
  if (result.isError) return <ErrorMessage title="The query could not be previewed" error={result.error} />;
  const { columns, rows } = result.data;
  return (
    <div className="overflow-x-auto rounded-md border" data-testid="query-preview">
      <Table aria-label="Query preview">
        <TableHeader>
          <TableRow>
            {columns.map((column) => (
              <TableHead key={column.name} className="font-mono text-xs">
                {column.name} <span className="text-muted-foreground">{column.type}</span>
              </TableHead>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((row, index) => (
            <TableRow key={index}>
              {row.map((value, column) => (
                <TableCell key={column} className="font-mono text-xs">
                  {cellText(value)}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <p className="p-2 text-xs text-muted-foreground">{rows.length === 0 ? "No rows." : `First ${rows.length} rows.`}</p>
    </div>
  );
}

/** Step 1 of a database job: its name, the source connection, and the tables to read or the query to run. */
export function SourceStep() {
  const { control, register, setValue, formState } = useFormContext<DatabaseWizardValues>();
  const errors = formState.errors;
  const [sourceType, credentialId, query] = useWatch({ control, name: ["source_type", "source_credential_id", "source_query"] });
  const credentials = useSourceCredentials();
  const selectedId = typeof credentialId === "number" ? credentialId : null;
  const [preview, setPreview] = React.useState<QueryRequest | null>(null);

  return (
    <div className="flex flex-col gap-6" data-testid="wizard-step-source">
      <div className="grid gap-4 md:grid-cols-2">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="job-name">Job name</Label>
          <Input id="job-name" data-testid="job-name-input" aria-invalid={errors.name ? true : undefined} {...register("name")} />
          <FieldError message={errors.name?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="job-description">Description (optional)</Label>
          <Textarea id="job-description" rows={1} className="min-h-9" {...register("description")} />
        </div>
      </div>

      <section aria-labelledby="source-heading" className="flex flex-col gap-3">
        <h3 id="source-heading" className="font-medium">
          Source connection
        </h3>
        {credentials.isPending && <Skeleton className="h-9 max-w-md" />}
        {credentials.isError && (
          <ErrorMessage error={credentials.error} title="Could not load connections" onRetry={() => void credentials.refetch()} />
        )}
        {credentials.data?.items.length === 0 && (
          <p className="text-sm text-muted-foreground">No connection can be a source yet: an admin adds one under Connections.</p>
        )}
        {credentials.data && credentials.data.items.length > 0 && (
          <Select
            value={selectedId === null ? "" : String(selectedId)}
            onValueChange={(value) => {
              setValue("source_credential_id", Number(value), { shouldValidate: true });
              setValue("selected_tables", []);
              setPreview(null);
            }}
          >
            <SelectTrigger data-testid="source-credential-select" className="max-w-md" aria-label="Source connection">
              <SelectValue placeholder="Pick a connection" />
            </SelectTrigger>
            <SelectContent>
              {credentials.data.items.map((credential) => (
                <SelectItem key={credential.id} value={String(credential.id)}>
                  {credential.name}
                  <Badge variant="secondary">{credential.kind}</Badge>
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        )}
        <FieldError message={errors.source_credential_id?.message} />
      </section>

      <Controller
        control={control}
        name="source_type"
        render={({ field }) => (
          <RadioGroup value={field.value} onValueChange={field.onChange} aria-label="What to read" className="flex flex-wrap gap-6">
            <div className="flex items-center gap-2">
              <RadioGroupItem value="tables" id="source-type-tables" data-testid="source-type-tables" />
              <Label htmlFor="source-type-tables">Tables (one or many)</Label>
            </div>
            <div className="flex items-center gap-2">
              <RadioGroupItem value="query" id="source-type-query" data-testid="source-type-query" />
              <Label htmlFor="source-type-query">A query</Label>
            </div>
          </RadioGroup>
        )}
      />

      {selectedId !== null && sourceType === "tables" && (
        <section className="flex flex-col gap-2">
          <Controller
            control={control}
            name="selected_tables"
            render={({ field }) => (
              <>
                <p className="text-sm text-muted-foreground">
                  {field.value.length === 0 ? "Pick the tables to load." : `${field.value.length} selected.`} Each becomes a
                  table of the destination, loaded by its own task.
                </p>
                <SourceTablePicker credentialId={selectedId} value={field.value} onChange={field.onChange} />
              </>
            )}
          />
          <FieldError message={errors.selected_tables?.message} />
        </section>
      )}

      {selectedId !== null && sourceType === "query" && (
        <section className="flex flex-col gap-2">
          <Label htmlFor="source-query">Query</Label>
          <Textarea
            id="source-query"
            data-testid="source-query-input"
            className="min-h-32 font-mono text-sm"
            spellCheck={false}
            placeholder="SELECT … FROM …"
            {...register("source_query")}
          />
          <p className="text-xs text-muted-foreground">
            One read-only SELECT; each run runs it again. {"{{variables}}"} such as {"{{ds}}"} are bound as parameters.
          </p>
          <FieldError message={errors.source_query?.message} />
          <div>
            <Button
              variant="outline"
              disabled={!query.trim()}
              data-testid="preview-query-button"
              onClick={() => setPreview({ sql: query, offset: 0, limit: PREVIEW_ROWS })}
            >
              <EyeIcon />
              Preview
            </Button>
          </div>
          {preview && <QueryPreview credentialId={selectedId} request={preview} />}
        </section>
      )}
    </div>
  );
}
