import { Controller, useFormContext, useWatch } from "react-hook-form";

import { Checkbox } from "@/components/ui/checkbox";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { RadioGroup, RadioGroupItem } from "@/components/ui/radio-group";
import type { WizardValues } from "@/features/job-wizard/utils/wizard-schema";
import { OVERLAP_EFFECT } from "@/lib/run-overlap";
import { cn } from "@/lib/utils";
import type { LoadStrategy } from "@/types/api";

const STRATEGIES: { value: LoadStrategy; title: string; description: string }[] = [
  { value: "INSERT", title: "Insert", description: "Append every row. Rows already in the table are kept." },
  {
    value: "UPSERT",
    title: "Upsert",
    description: "Update rows whose key matches, insert the rest. Needs key columns that identify a row.",
  },
  {
    value: "TRUNCATE_INSERT",
    title: "Replace (truncate + insert)",
    description: "Delete every row in the table, then insert the file, in one transaction.",
  },
];

const nullableNumber = (value: unknown) => (value === "" || value === null ? null : Number(value));

function FieldError({ message }: { message?: string }) {
  return message ? <p className="text-xs text-destructive">{message}</p> : null;
}

/** Step 3: how rows land (strategy and keys), how many bad rows are tolerated, batch size, pace,
 * retries and whether runs may overlap. */
export function LoadStep() {
  const { control, register, formState } = useFormContext<WizardValues>();
  const errors = formState.errors;
  const [strategy, rejectMode, mappings] = useWatch({ control, name: ["strategy", "reject_mode", "mappings"] });
  const keyCandidates = mappings.filter((row) => row.include && row.target_column.trim()).map((row) => row.target_column.trim());

  return (
    <div className="flex flex-col gap-8" data-testid="wizard-step-load">
      <section aria-labelledby="strategy-heading" className="flex flex-col gap-3">
        <h3 id="strategy-heading" className="font-medium">
          Load strategy
        </h3>
        <Controller
          control={control}
          name="strategy"
          render={({ field }) => (
            <RadioGroup value={field.value} onValueChange={field.onChange} aria-labelledby="strategy-heading" className="grid gap-3 md:grid-cols-3">
              {STRATEGIES.map((option) => (
                <Label
                  key={option.value}
                  htmlFor={`strategy-${option.value}`}
                  className={cn(
                    "flex cursor-pointer items-start gap-3 rounded-lg border p-4 leading-normal font-normal",
                    field.value === option.value && "border-primary bg-primary/5",
                  )}
                >
                  <RadioGroupItem value={option.value} id={`strategy-${option.value}`} data-testid={`strategy-${option.value}`} className="mt-0.5" />
                  <span className="flex flex-col gap-1">
                    <span className="font-medium">{option.title}</span>
                    <span className="text-sm text-muted-foreground">{option.description}</span>
                  </span>
                </Label>
              ))}
            </RadioGroup>
          )}
        />
      </section>

      {strategy === "UPSERT" && (
        <section aria-labelledby="keys-heading" className="flex flex-col gap-3">
          <h3 id="keys-heading" className="font-medium">
            Key columns
          </h3>
          <p className="text-sm text-muted-foreground">A row of the file replaces the table's row with the same values in these columns.</p>
          <Controller
            control={control}
            name="upsert_keys"
            render={({ field }) => (
              <div role="group" aria-labelledby="keys-heading" className="flex flex-wrap gap-x-6 gap-y-3">
                {keyCandidates.map((name) => (
                  <div key={name} className="flex items-center gap-2">
                    <Checkbox
                      id={`upsert-key-${name}`}
                      data-testid={`upsert-key-${name}`}
                      checked={field.value.includes(name)}
                      onCheckedChange={(checked) =>
                        field.onChange(checked === true ? [...field.value, name] : field.value.filter((key) => key !== name))
                      }
                    />
                    <Label htmlFor={`upsert-key-${name}`} className="font-mono font-normal">
                      {name}
                    </Label>
                  </div>
                ))}
              </div>
            )}
          />
          <FieldError message={errors.upsert_keys?.message} />
        </section>
      )}

      <section aria-labelledby="reject-heading" className="flex flex-col gap-3">
        <h3 id="reject-heading" className="font-medium">
          Rejected rows
        </h3>
        <p className="text-sm text-muted-foreground">
          A row with a value that cannot be converted is set aside with the reason. Fail the run when there are too many?
        </p>
        <Controller
          control={control}
          name="reject_mode"
          render={({ field }) => (
            <RadioGroup value={field.value} onValueChange={field.onChange} aria-labelledby="reject-heading" className="flex flex-wrap gap-6">
              {(
                [
                  ["none", "None allowed"],
                  ["count", "More than a number of rows"],
                  ["percent", "More than a share of rows"],
                ] as const
              ).map(([value, label]) => (
                <div key={value} className="flex items-center gap-2">
                  <RadioGroupItem value={value} id={`reject-mode-${value}`} data-testid={`reject-mode-${value}`} />
                  <Label htmlFor={`reject-mode-${value}`} className="font-normal">
                    {label}
                  </Label>
                </div>
              ))}
            </RadioGroup>
          )}
        />
        {rejectMode === "count" && (
          <div className="flex max-w-xs flex-col gap-1.5">
            <Label htmlFor="reject-threshold-count">Fail when more than (rows)</Label>
            <Input
              id="reject-threshold-count"
              data-testid="reject-threshold-input"
              type="number"
              min={0}
              step={1}
              {...register("reject_threshold_count", { setValueAs: nullableNumber })}
            />
            <FieldError message={errors.reject_threshold_count?.message} />
          </div>
        )}
        {rejectMode === "percent" && (
          <div className="flex max-w-xs flex-col gap-1.5">
            <Label htmlFor="reject-threshold-percent">Fail when more than (%)</Label>
            <Input
              id="reject-threshold-percent"
              data-testid="reject-threshold-input"
              type="number"
              min={0}
              max={100}
              step="any"
              {...register("reject_threshold_percent", { setValueAs: nullableNumber })}
            />
            <FieldError message={errors.reject_threshold_percent?.message} />
          </div>
        )}
      </section>

      <section aria-labelledby="tuning-heading" className="flex flex-col gap-3">
        <h3 id="tuning-heading" className="font-medium">
          Batches, pace and retries
        </h3>
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="batch-size">Rows per batch</Label>
            <Input id="batch-size" data-testid="batch-size-input" type="number" min={1000} step={1000} {...register("batch_size", { valueAsNumber: true })} />
            <FieldError message={errors.batch_size?.message} />
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
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="max-rows-per-second">Max rows per second</Label>
            <Input
              id="max-rows-per-second"
              data-testid="max-rows-per-second-input"
              type="number"
              min={1}
              step={1}
              placeholder="No limit"
              aria-describedby="max-rows-per-second-hint"
              {...register("max_rows_per_second", { setValueAs: nullableNumber })}
            />
            <p id="max-rows-per-second-hint" className="text-xs text-muted-foreground">
              Slows the load down to spare a busy destination. Empty: as fast as it goes.
            </p>
            <FieldError message={errors.max_rows_per_second?.message} />
          </div>
        </div>
        <Controller
          control={control}
          name="allow_concurrent_runs"
          render={({ field }) => (
            <div className="flex items-start gap-2">
              <Checkbox
                id="allow-concurrent-runs"
                data-testid="allow-concurrent-runs"
                checked={field.value}
                onCheckedChange={(checked) => field.onChange(checked === true)}
                className="mt-0.5"
              />
              <Label htmlFor="allow-concurrent-runs" className="flex flex-col items-start gap-1 font-normal">
                <span>Allow a new run while one is still going</span>
                <span className="text-sm text-muted-foreground">
                  {field.value
                    ? `Runs may overlap: ${OVERLAP_EFFECT[strategy]}.`
                    : "Off: Execute on a running job shows the run in progress instead of starting another, and a schedule skips its turn."}
                </span>
              </Label>
            </div>
          )}
        />
      </section>
    </div>
  );
}
