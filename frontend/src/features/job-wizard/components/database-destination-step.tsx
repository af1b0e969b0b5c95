import * as React from "react";
import { useFormContext, useWatch } from "react-hook-form";

import { Badge } from "@/components/ui/badge";
import { ErrorMessage } from "@/components/ui/error-message";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { useCredentials } from "@/features/job-wizard/api/get-credentials";
import { useSchemas } from "@/features/job-wizard/api/get-schemas";
import { targetName, type DatabaseWizardValues } from "@/features/job-wizard/utils/database-wizard-schema";

function FieldError({ message }: { message?: string }) {
  return message ? <p className="text-xs text-destructive">{message}</p> : null;
}

/** Step 2 of a database job: the destination connection, its schema, and how targets are named. */
export function DatabaseDestinationStep() {
  const { control, register, setValue, getValues, formState } = useFormContext<DatabaseWizardValues>();
  const errors = formState.errors;
  const [credentialId, sourceType, prefix, selected] = useWatch({
    control,
    name: ["credential_id", "source_type", "target_prefix", "selected_tables"],
  });
  const selectedId = typeof credentialId === "number" ? credentialId : null;
  const credentials = useCredentials();
  const schemas = useSchemas(selectedId);
  // Destinations only: a source-only connection cannot be written to.
  const destinations = React.useMemo(
    () => credentials.data?.items.filter((credential) => credential.usage !== "source") ?? [],
    [credentials.data],
  );

  React.useEffect(() => {
    if (typeof getValues("credential_id") === "number" || destinations.length === 0) return;
    const preferred = destinations.find((c) => c.is_builtin) ?? destinations[0];
    if (preferred) setValue("credential_id", preferred.id, { shouldValidate: true });
  }, [destinations, getValues, setValue]);

  React.useEffect(() => {
    if (!schemas.data || getValues("target_schema")) return;
    const preferred = ["public", "main"].find((name) => schemas.data.includes(name)) ?? schemas.data[0];
    if (preferred) setValue("target_schema", preferred, { shouldValidate: true });
  }, [schemas.data, getValues, setValue]);

  return (
    <div className="flex flex-col gap-6" data-testid="wizard-step-database-destination">
      <section className="flex flex-col gap-3">
        <Label htmlFor="destination-credential">Destination connection</Label>
        {credentials.isPending && <Skeleton className="h-9 max-w-md" />}
        {credentials.isError && <ErrorMessage error={credentials.error} title="Could not load connections" />}
        {credentials.data && (
          <Select
            value={selectedId === null ? "" : String(selectedId)}
            onValueChange={(value) => {
              setValue("credential_id", Number(value), { shouldValidate: true });
              setValue("target_schema", "");
            }}
          >
            <SelectTrigger id="destination-credential" data-testid="credential-select" className="max-w-md">
              <SelectValue placeholder="Pick a destination" />
            </SelectTrigger>
            <SelectContent>
              {destinations.map((credential) => (
                <SelectItem key={credential.id} value={String(credential.id)}>
                  {credential.name}
                  <Badge variant="secondary">{credential.kind}</Badge>
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        )}
        <FieldError message={errors.credential_id?.message} />
      </section>

      <section className="grid gap-4 md:grid-cols-2">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="target-schema">Target schema</Label>
          <Input
            id="target-schema"
            data-testid="target-schema-input"
            className="font-mono"
            list="target-schema-options"
            {...register("target_schema")}
          />
          <datalist id="target-schema-options">
            {schemas.data?.map((name) => <option key={name} value={name} />)}
          </datalist>
          <p className="text-xs text-muted-foreground">A schema that does not exist yet is created by the first load.</p>
          <FieldError message={errors.target_schema?.message} />
        </div>
        {sourceType === "tables" ? (
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="target-prefix">Name rule: prefix + source table name</Label>
            <Input id="target-prefix" data-testid="target-prefix-input" className="font-mono" {...register("target_prefix")} />
            <p className="text-xs text-muted-foreground">
              {selected[0] ? `e.g. ${selected[0].table} → ${targetName(prefix, selected[0].table)}; ` : ""}each name can be
              changed on the next step.
            </p>
            <FieldError message={errors.target_prefix?.message} />
          </div>
        ) : (
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="target-table">New table name</Label>
            <Input id="target-table" data-testid="table-name-input" className="font-mono" {...register("target_table")} />
            <FieldError message={errors.target_table?.message} />
          </div>
        )}
      </section>
    </div>
  );
}
