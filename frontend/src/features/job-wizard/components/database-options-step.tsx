import { Controller, useFormContext, useWatch } from "react-hook-form";

import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { KEY_RANGES, type DatabaseWizardValues } from "@/features/job-wizard/utils/database-wizard-schema";
import { DRIFT_POLICIES } from "@/features/job-wizard/utils/drift-policies";

const nullableNumber = (value: unknown) => (value === "" || value === null ? null : Number(value));

function FieldError({ message }: { message?: string }) {
  return message ? <p className="text-xs text-destructive">{message}</p> : null;
}

/** Step 4 of a database job: parallel tables, drift policy, rejects, batches, pace and retries. */
export function DatabaseOptionsStep() {
  const { control, register, formState } = useFormContext<DatabaseWizardValues>();
  const errors = formState.errors;
  const sourceType = useWatch({ control, name: "source_type" });
  return (
    <div className="flex flex-col gap-6" data-testid="wizard-step-options">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {sourceType === "tables" && (
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="max-parallel-tables">Tables loaded at once</Label>
            <Input
              id="max-parallel-tables"
              data-testid="max-parallel-tables-input"
              type="number"
              min={1}
              max={8}
              {...register("max_parallel_tables", { valueAsNumber: true })}
            />
            <p className="text-xs text-muted-foreground">1 to 8; each table is its own task, spread over the workers.</p>
            <FieldError message={errors.max_parallel_tables?.message} />
          </div>
        )}
        {sourceType === "tables" && (
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="key-ranges">Readers per table</Label>
            <Controller
              control={control}
              name="key_ranges"
              render={({ field }) => (
                <Select value={field.value} onValueChange={field.onChange}>
                  <SelectTrigger id="key-ranges" data-testid="key-ranges-select">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    {KEY_RANGES.map((n) => (
                      <SelectItem key={n} value={n}>
                        {n === "1" ? "1 (one reader)" : `${n} key ranges at once`}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              )}
            />
            <p className="text-xs text-muted-foreground">
              A table with a single integer primary key is split into key ranges read in parallel.
            </p>
          </div>
        )}
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="drift-policy">When the source's columns change</Label>
          <Controller
            control={control}
            name="drift_policy"
            render={({ field }) => (
              <Select value={field.value} onValueChange={field.onChange}>
                <SelectTrigger id="drift-policy" data-testid="drift-policy-select">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {DRIFT_POLICIES.map((policy) => (
                    <SelectItem key={policy.value} value={policy.value}>
                      {policy.label}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            )}
          />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="zero-dates">MySQL zero dates (0000-00-00)</Label>
          <Controller
            control={control}
            name="zero_dates"
            render={({ field }) => (
              <Select value={field.value} onValueChange={field.onChange}>
                <SelectTrigger id="zero-dates">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value="reject">Reject the row, with the reason</SelectItem>
                  <SelectItem value="null">Load as NULL</SelectItem>
                </SelectContent>
              </Select>
            )}
          />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="reject-threshold-count">Rejected rows allowed</Label>
          <Input
            id="reject-threshold-count"
            type="number"
            min={0}
            placeholder="None"
            {...register("reject_threshold_count", { setValueAs: nullableNumber })}
          />
          <FieldError message={errors.reject_threshold_count?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="batch-size">Rows per batch</Label>
          <Input id="batch-size" type="number" min={1000} step={1000} {...register("batch_size", { valueAsNumber: true })} />
          <FieldError message={errors.batch_size?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="max-rows-per-second">Max rows per second</Label>
          <Input
            id="max-rows-per-second"
            data-testid="max-rows-per-second-input"
            type="number"
            min={1}
            placeholder="No limit"
            {...register("max_rows_per_second", { setValueAs: nullableNumber })}
          />
          <FieldError message={errors.max_rows_per_second?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="max-retries">Retries after a transient failure</Label>
          <Input id="max-retries" type="number" min={0} max={10} {...register("max_retries", { valueAsNumber: true })} />
          <FieldError message={errors.max_retries?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="retry-delay">Seconds between retries</Label>
          <Input id="retry-delay" type="number" min={0} {...register("retry_delay_seconds", { valueAsNumber: true })} />
          <FieldError message={errors.retry_delay_seconds?.message} />
        </div>
      </div>
    </div>
  );
}
