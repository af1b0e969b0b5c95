import { zodResolver } from "@hookform/resolvers/zod";
import { Controller, useForm, useWatch } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";

import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { ErrorMessage } from "@/components/ui/error-message";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { useCreateSchedule } from "@/features/schedules/api/create-schedule";
import { useUpdateSchedule } from "@/features/schedules/api/update-schedule";
import { CRON_PRESETS, CUSTOM, presetOf } from "@/features/schedules/utils/cron-presets";
import type { JobRead, ScheduleRead } from "@/types/api";

const TIMEZONES = Intl.supportedValuesOf("timeZone");

const scheduleSchema = z
  .object({
    job_id: z.string().min(1, "Pick the job to run"),
    preset: z.string(),
    cron_expression: z.string().trim(),
    timezone: z.string().trim().min(1, "Pick a timezone"),
    enabled: z.boolean(),
    // Empty: never disable. The API takes 1 to 100.
    disable_after_failures: z
      .string()
      .trim()
      .refine((text) => text === "" || (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 100), {
        message: "A number from 1 to 100, or empty for never",
      }),
  })
  .refine((values) => values.preset !== CUSTOM || values.cron_expression.length > 0, {
    path: ["cron_expression"],
    message: "Write a cron expression, e.g. 30 6 * * 1-5",
  });

type ScheduleForm = z.infer<typeof scheduleSchema>;

function cronOf(values: ScheduleForm): string {
  return CRON_PRESETS.find((preset) => preset.id === values.preset)?.cron ?? values.cron_expression;
}

/** Create a schedule for a job (presets or a custom cron), or change an existing one's timing.
 * Mount it with a `key` per schedule so each opening starts from that schedule's values. */
export function ScheduleFormDialog({
  schedule,
  jobs,
  initialJobId,
  open,
  onOpenChange,
}: {
  schedule?: ScheduleRead;
  jobs: JobRead[];
  initialJobId?: number;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const editing = schedule !== undefined;
  const form = useForm<ScheduleForm>({
    resolver: zodResolver(scheduleSchema),
    defaultValues: {
      job_id: String(schedule?.job_id ?? initialJobId ?? ""),
      preset: schedule ? presetOf(schedule.cron_expression) : "day",
      cron_expression: schedule?.cron_expression ?? "",
      timezone: schedule?.timezone ?? "UTC",
      enabled: schedule?.enabled ?? true,
      disable_after_failures: schedule ? (schedule.disable_after_failures?.toString() ?? "") : "3",
    },
  });
  const preset = useWatch({ control: form.control, name: "preset" });
  const create = useCreateSchedule();
  const update = useUpdateSchedule();
  const save = editing ? update : create;
  const { errors } = form.formState;

  const onSubmit = form.handleSubmit((values) => {
    const disableAfter = values.disable_after_failures === "" ? null : Number(values.disable_after_failures);
    const body = { cron_expression: cronOf(values), timezone: values.timezone, disable_after_failures: disableAfter };
    const done = (saved: ScheduleRead) => {
      toast.success(editing ? "Schedule saved" : "Schedule created", { description: saved.description });
      onOpenChange(false);
    };
    if (editing) update.mutate({ id: schedule.id, body }, { onSuccess: done });
    else create.mutate({ jobId: Number(values.job_id), body: { ...body, enabled: values.enabled } }, { onSuccess: done });
  });

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{editing ? "Edit schedule" : "New schedule"}</DialogTitle>
          <DialogDescription>
            Airflow runs the job at these times. Times are read in the timezone you pick, daylight saving included.
          </DialogDescription>
        </DialogHeader>
        <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Schedule">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="schedule-job">Job</Label>
            <Controller
              control={form.control}
              name="job_id"
              render={({ field }) => (
                <Select value={field.value} onValueChange={field.onChange} disabled={editing}>
                  <SelectTrigger id="schedule-job" aria-invalid={errors.job_id ? true : undefined}>
                    <SelectValue placeholder="Choose a job" />
                  </SelectTrigger>
                  <SelectContent>
                    {jobs.map((job) => (
                      <SelectItem key={job.id} value={String(job.id)}>
                        {job.name}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              )}
            />
            {errors.job_id && <p className="text-xs text-destructive">{errors.job_id.message}</p>}
          </div>

          <div className="flex flex-col gap-1.5">
            <Label htmlFor="schedule-preset">When</Label>
            <Controller
              control={form.control}
              name="preset"
              render={({ field }) => (
                <Select value={field.value} onValueChange={field.onChange}>
                  <SelectTrigger id="schedule-preset">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    {CRON_PRESETS.map((option) => (
                      <SelectItem key={option.id} value={option.id}>
                        {option.label}
                        <span className="ml-2 font-mono text-xs text-muted-foreground">{option.cron}</span>
                      </SelectItem>
                    ))}
                    <SelectItem value={CUSTOM}>Custom cron expression…</SelectItem>
                  </SelectContent>
                </Select>
              )}
            />
          </div>

          {preset === CUSTOM && (
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="schedule-cron">Cron expression</Label>
              <Input
                id="schedule-cron"
                className="font-mono"
                placeholder="30 6 * * 1-5"
                aria-invalid={errors.cron_expression ? true : undefined}
                aria-describedby="schedule-cron-help"
                {...form.register("cron_expression")}
              />
              <p id="schedule-cron-help" className="text-xs text-muted-foreground">
                {errors.cron_expression ? (
                  <span className="text-destructive">{errors.cron_expression.message}</span>
                ) : (
                  "minute hour day-of-month month day-of-week, or @hourly, @daily, @weekly, @monthly"
                )}
              </p>
            </div>
          )}

          <div className="flex flex-col gap-1.5">
            <Label htmlFor="schedule-timezone">Timezone</Label>
            <Input
              id="schedule-timezone"
              list="schedule-timezones"
              autoComplete="off"
              aria-invalid={errors.timezone ? true : undefined}
              {...form.register("timezone")}
            />
            <datalist id="schedule-timezones">
              {TIMEZONES.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
            {errors.timezone && <p className="text-xs text-destructive">{errors.timezone.message}</p>}
          </div>

          <div className="flex flex-col gap-1.5">
            <Label htmlFor="schedule-disable-after">Disable after failed runs in a row</Label>
            <Input
              id="schedule-disable-after"
              inputMode="numeric"
              className="w-32"
              placeholder="never"
              aria-invalid={errors.disable_after_failures ? true : undefined}
              aria-describedby="schedule-disable-after-help"
              {...form.register("disable_after_failures")}
            />
            <p id="schedule-disable-after-help" className="text-xs text-muted-foreground">
              {errors.disable_after_failures ? (
                <span className="text-destructive">{errors.disable_after_failures.message}</span>
              ) : (
                "The schedule pauses itself after this many failed runs in a row and notifies its channels. Empty: never."
              )}
            </p>
          </div>

          {!editing && (
            <Controller
              control={form.control}
              name="enabled"
              render={({ field }) => (
                <div className="flex items-center gap-3">
                  <Switch id="schedule-enabled" checked={field.value} onCheckedChange={field.onChange} />
                  <Label htmlFor="schedule-enabled">Start enabled</Label>
                </div>
              )}
            />
          )}

          {save.isError && <ErrorMessage title="Could not save the schedule" error={save.error} />}

          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={save.isPending}>
              {save.isPending ? "Saving…" : editing ? "Save" : "Create schedule"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
