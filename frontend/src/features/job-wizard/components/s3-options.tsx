import { PlusIcon, Trash2Icon } from "lucide-react";
import * as React from "react";
import { Controller, useFieldArray, useFormContext, useWatch } from "react-hook-form";

import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useCredentials } from "@/features/job-wizard/api/get-credentials";
import {
  COMPRESSIONS,
  DEFAULT_DESTINATION_OPTIONS,
  PREFIX_VARIABLES,
  type DatePart,
  type FileFormat,
} from "@/features/job-wizard/utils/destination-options";
import type { WizardValues } from "@/features/job-wizard/utils/wizard-schema";

const FORMAT_LABEL: Record<FileFormat, string> = { parquet: "Parquet", csv: "CSV", jsonl: "JSON lines" };
// Select values cannot be empty: these stand for null.
const USUAL = "usual";
const VALUE = "value";
const USUAL_COMPRESSION: Record<FileFormat, string> = { parquet: "snappy", csv: "none", jsonl: "none" };

function Problem({ id, message }: { id: string; message?: string }) {
  return message ? (
    <p id={id} className="text-xs text-destructive">
      {message}
    </p>
  ) : null;
}

/** The files an S3 destination gets: format, compression, folder template, Hive partitions and part
 * size. Shown only for an S3 connection; the options are null for any other destination. */
export function S3Options() {
  const { control, setValue, getValues } = useFormContext<WizardValues>();
  const [credentialId, options] = useWatch({ control, name: ["credential_id", "destination_options"] });
  const credentials = useCredentials();
  const kind = credentials.data?.items.find((c) => c.id === credentialId)?.kind;

  React.useEffect(() => {
    if (kind === undefined) return;
    const current = getValues("destination_options");
    if (kind === "s3" && current === null) setValue("destination_options", { ...DEFAULT_DESTINATION_OPTIONS });
    if (kind !== "s3" && current !== null) setValue("destination_options", null);
  }, [kind, getValues, setValue]);

  return kind === "s3" && options ? <S3OptionsFields /> : null;
}

/** Mounted only while the options exist: its partition list must not create them for a database. */
function S3OptionsFields() {
  const { control, register, setValue, getValues, formState } = useFormContext<WizardValues>();
  const format = useWatch({ control, name: "destination_options.format" });
  const mappings = useWatch({ control, name: "mappings" });
  const partitions = useFieldArray({ control, name: "destination_options.partition_by" });
  const errors = formState.errors.destination_options;
  const columns = mappings.filter((row) => row.include).map((row) => row.target_column.trim()).filter(Boolean);

  return (
    <section aria-labelledby="s3-files-heading" className="flex flex-col gap-4" data-testid="s3-options">
      <div>
        <h3 id="s3-files-heading" className="font-medium">
          Files
        </h3>
        <p className="text-sm text-muted-foreground">
          The run writes its files under a temporary prefix and publishes them complete, with a <code>_SUCCESS</code> manifest
          written last; a retry replaces them instead of adding copies.
        </p>
      </div>
      <div className="grid gap-4 md:grid-cols-3">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="s3-format">Format</Label>
          <Controller
            control={control}
            name="destination_options.format"
            render={({ field }) => (
              <Select
                value={field.value}
                onValueChange={(value) => {
                  field.onChange(value);
                  const compression = getValues("destination_options.compression");
                  if (compression && !COMPRESSIONS[value as FileFormat].includes(compression)) setValue("destination_options.compression", null);
                }}
              >
                <SelectTrigger id="s3-format" data-testid="s3-format">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {(Object.keys(FORMAT_LABEL) as FileFormat[]).map((format) => (
                    <SelectItem key={format} value={format}>
                      {FORMAT_LABEL[format]}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            )}
          />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="s3-compression">Compression</Label>
          <Controller
            control={control}
            name="destination_options.compression"
            render={({ field }) => (
              <Select value={field.value ?? USUAL} onValueChange={(value) => field.onChange(value === USUAL ? null : value)}>
                <SelectTrigger id="s3-compression" data-testid="s3-compression">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value={USUAL}>Usual ({USUAL_COMPRESSION[format]})</SelectItem>
                  {COMPRESSIONS[format].map((compression) => (
                    <SelectItem key={compression} value={compression}>
                      {compression}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            )}
          />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="s3-max-file">Part size (MB)</Label>
          <Input
            id="s3-max-file"
            type="number"
            min={1}
            max={5120}
            aria-invalid={errors?.max_file_mb ? true : undefined}
            aria-describedby="s3-max-file-error"
            {...register("destination_options.max_file_mb", { valueAsNumber: true })}
          />
          <Problem id="s3-max-file-error" message={errors?.max_file_mb?.message} />
        </div>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="s3-prefix">Folder</Label>
        <Input
          id="s3-prefix"
          data-testid="s3-prefix"
          className="font-mono"
          aria-invalid={errors?.prefix ? true : undefined}
          aria-describedby="s3-prefix-help s3-prefix-error"
          {...register("destination_options.prefix")}
        />
        <p id="s3-prefix-help" className="text-xs text-muted-foreground">
          Under the connection's key prefix. Variables: {PREFIX_VARIABLES.map((v) => `{{${v}}}`).join(" ")} (run_date is the run's
          date, YYYY-MM-DD).
        </p>
        <Problem id="s3-prefix-error" message={errors?.prefix?.message} />
      </div>
      {format === "csv" && (
        <div className="flex flex-wrap items-end gap-6">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="s3-delimiter">Delimiter</Label>
            <Input id="s3-delimiter" className="w-16 font-mono" maxLength={1} {...register("destination_options.csv_delimiter")} />
            <Problem id="s3-delimiter-error" message={errors?.csv_delimiter?.message} />
          </div>
          <div className="flex items-center gap-2 pb-2">
            <Controller
              control={control}
              name="destination_options.csv_header"
              render={({ field }) => (
                <Checkbox id="s3-header" checked={field.value} onCheckedChange={(checked) => field.onChange(checked === true)} />
              )}
            />
            <Label htmlFor="s3-header">Header line</Label>
          </div>
        </div>
      )}
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-medium">Partitions (Hive-style folders)</legend>
        <datalist id="s3-partition-columns">
          {columns.map((column) => (
            <option key={column} value={column} />
          ))}
        </datalist>
        {partitions.fields.map((partition, index) => (
          <div key={partition.id} className="flex flex-wrap items-center gap-2" data-testid="s3-partition">
            <Label htmlFor={`s3-partition-${index}`} className="sr-only">
              Partition column {index + 1}
            </Label>
            <Input
              id={`s3-partition-${index}`}
              className="max-w-56 font-mono"
              list="s3-partition-columns"
              placeholder="column"
              {...register(`destination_options.partition_by.${index}.column`)}
            />
            <Controller
              control={control}
              name={`destination_options.partition_by.${index}.part`}
              render={({ field }) => (
                <Select value={field.value ?? VALUE} onValueChange={(value) => field.onChange(value === VALUE ? null : (value as DatePart))}>
                  <SelectTrigger className="w-44" aria-label={`Partition ${index + 1} by`}>
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value={VALUE}>its value</SelectItem>
                    <SelectItem value="year">its year</SelectItem>
                    <SelectItem value="month">its month</SelectItem>
                    <SelectItem value="day">its day</SelectItem>
                    <SelectItem value="hour">its hour</SelectItem>
                  </SelectContent>
                </Select>
              )}
            />
            <Button variant="ghost" size="icon" aria-label={`Remove partition ${index + 1}`} onClick={() => partitions.remove(index)}>
              <Trash2Icon />
            </Button>
            <Problem id={`s3-partition-${index}-error`} message={errors?.partition_by?.[index]?.column?.message} />
          </div>
        ))}
        <Problem id="s3-partitions-error" message={errors?.partition_by?.message ?? errors?.partition_by?.root?.message} />
        {partitions.fields.length < 4 && (
          <Button variant="outline" size="sm" className="self-start" onClick={() => partitions.append({ column: "", part: null })}>
            <PlusIcon />
            Add a partition
          </Button>
        )}
        <p className="text-xs text-muted-foreground">By value: sold_on=2026-11-30/; by date parts (a date or timestamp column): year=2026/month=11/….</p>
      </fieldset>
    </section>
  );
}
