import { Controller, useFormContext, useWatch } from "react-hook-form";

import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { RadioGroup, RadioGroupItem } from "@/components/ui/radio-group";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { DRIFT_POLICIES } from "@/features/job-wizard/utils/drift-policies";
import type { WizardValues } from "@/features/job-wizard/utils/wizard-schema";

/**
 * What each run of a file job reads: the uploaded file itself, or the files that arrive in the drop
 * directory under a pattern (the upload is then the sample that defines the columns).
 */
export function FileSourceSection({ filename }: { filename: string }) {
  const { control, register, formState } = useFormContext<WizardValues>();
  const sourceType = useWatch({ control, name: "source_type" });
  const error = formState.errors.source_pattern?.message;
  return (
    <section aria-labelledby="file-source-heading" className="flex flex-col gap-3 border-b pb-6" data-testid="file-source">
      <h3 id="file-source-heading" className="font-medium">
        Source
      </h3>
      <Controller
        control={control}
        name="source_type"
        render={({ field }) => (
          <RadioGroup value={field.value} onValueChange={field.onChange} aria-labelledby="file-source-heading" className="flex flex-wrap gap-6">
            <div className="flex items-center gap-2">
              <RadioGroupItem value="upload" id="source-upload" data-testid="source-type-upload" />
              <Label htmlFor="source-upload">This file ({filename}), at every run</Label>
            </div>
            <div className="flex items-center gap-2">
              <RadioGroupItem value="files" id="source-files" data-testid="source-type-files" />
              <Label htmlFor="source-files">Files that arrive in the drop directory, shaped like this one</Label>
            </div>
          </RadioGroup>
        )}
      />
      {sourceType === "files" && (
        <div className="grid gap-4 md:grid-cols-2 lg:grid-cols-4">
          <div className="flex flex-col gap-1.5 md:col-span-2">
            <Label htmlFor="source-pattern">File pattern (relative to the drop directory)</Label>
            <Input
              id="source-pattern"
              data-testid="source-pattern-input"
              className="font-mono"
              placeholder="exports/sales_{{ds}}*.csv"
              aria-invalid={error ? true : undefined}
              {...register("source_pattern")}
            />
            <p className="text-xs text-muted-foreground">
              A glob; {"{{variables}}"} such as {"{{ds}}"} (the run date) are filled in at each run. Headers are matched by name.
            </p>
            {error && <p className="text-xs text-destructive">{error}</p>}
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="files-mode">Which files</Label>
            <Controller
              control={control}
              name="files_mode"
              render={({ field }) => (
                <Select value={field.value} onValueChange={field.onChange}>
                  <SelectTrigger id="files-mode" data-testid="files-mode-select">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value="new">Every file not loaded yet</SelectItem>
                    <SelectItem value="latest">Only the newest match</SelectItem>
                  </SelectContent>
                </Select>
              )}
            />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="files-on-empty">When nothing new arrived</Label>
            <Controller
              control={control}
              name="files_on_empty"
              render={({ field }) => (
                <Select value={field.value} onValueChange={field.onChange}>
                  <SelectTrigger id="files-on-empty" data-testid="files-on-empty-select">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value="complete">End with “Nothing to load”</SelectItem>
                    <SelectItem value="fail">Fail the run</SelectItem>
                  </SelectContent>
                </Select>
              )}
            />
          </div>
          <div className="flex flex-col gap-1.5 md:col-span-2">
            <Label htmlFor="files-drift-policy">When a file's columns differ</Label>
            <Controller
              control={control}
              name="drift_policy"
              render={({ field }) => (
                <Select value={field.value} onValueChange={field.onChange}>
                  <SelectTrigger id="files-drift-policy" data-testid="drift-policy-select">
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
        </div>
      )}
    </section>
  );
}
