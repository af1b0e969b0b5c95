import { CalendarClockIcon, PencilIcon, PlusIcon, Trash2Icon } from "lucide-react";
import * as React from "react";
import { Link, useSearchParams } from "react-router";
import { toast } from "sonner";

import { PagedList } from "@/components/paged-list";
import { RoleGate } from "@/components/role-gate";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { RunStatusBadge } from "@/components/ui/run-status-badge";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useDeleteSchedule } from "@/features/schedules/api/delete-schedule";
import { useSchedules } from "@/features/schedules/api/get-schedules";
import { useSetScheduleEnabled } from "@/features/schedules/api/set-schedule-enabled";
import { ScheduleFormDialog } from "@/features/schedules/components/schedule-form-dialog";
import { toApiError } from "@/lib/api-client";
import { formatDateTime, formatDateTimeInZone } from "@/lib/format";
import { useCan } from "@/lib/requests/get-current-user";
import { useJobChoices } from "@/lib/requests/get-job-choices";
import type { ScheduleRead } from "@/types/api";

function EnabledSwitch({ schedule, jobName }: { schedule: ScheduleRead; jobName: string }) {
  const toggle = useSetScheduleEnabled();
  // Show the requested state while the request is in flight.
  const checked = toggle.isPending ? toggle.variables.enabled : schedule.enabled;
  return (
    <Switch
      checked={checked}
      disabled={toggle.isPending}
      aria-label={`Enabled: ${jobName}, ${schedule.description}`}
      onCheckedChange={(enabled) =>
        toggle.mutate(
          { id: schedule.id, enabled },
          {
            onSuccess: (saved) => toast.success(`Schedule ${saved.enabled ? "enabled" : "disabled"}`, { description: `${jobName}: ${saved.description}` }),
            onError: (error) => toast.error("Could not change the schedule", { description: toApiError(error).message }),
          },
        )
      }
    />
  );
}

function DeleteScheduleButton({ schedule, jobName }: { schedule: ScheduleRead; jobName: string }) {
  const remove = useDeleteSchedule();
  return (
    <ConfirmDialog
      title="Delete this schedule?"
      description={`${jobName} will no longer run ${schedule.description.toLowerCase()}. Past runs stay in the history.`}
      onConfirm={() =>
        remove.mutate(schedule.id, {
          onSuccess: () => toast.success("Schedule deleted"),
          onError: (error) => toast.error("Could not delete the schedule", { description: toApiError(error).message }),
        })
      }
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Delete schedule of ${jobName}: ${schedule.description}`} disabled={remove.isPending}>
          <Trash2Icon />
          <span className="hidden lg:inline">Delete</span>
        </Button>
      }
    />
  );
}

function NextRuns({ schedule }: { schedule: ScheduleRead }) {
  if (!schedule.enabled)
    return (
      <span className="text-muted-foreground">
        Paused
        {schedule.disabled_reason && <span className="block text-xs text-destructive">{schedule.disabled_reason}</span>}
      </span>
    );
  const [next, ...later] = schedule.next_runs;
  if (!next) return <span className="text-muted-foreground">—</span>;
  return (
    <div className="flex flex-col">
      <time dateTime={next}>{formatDateTimeInZone(next, schedule.timezone)}</time>
      {later.length > 0 && (
        <details className="text-xs text-muted-foreground">
          <summary className="cursor-pointer rounded outline-none focus-visible:ring-2 focus-visible:ring-ring">
            {later.length} more
          </summary>
          <ul>
            {later.map((when) => (
              <li key={when}>
                <time dateTime={when}>{formatDateTimeInZone(when, schedule.timezone)}</time>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

type Editing = { mode: "create"; jobId?: number } | { mode: "edit"; schedule: ScheduleRead } | null;

/** /schedules — cron schedules of every job (or of `?job_id=`); `?new=1` opens the create form. */
export function SchedulesPage() {
  const [search, setSearch] = useSearchParams();
  const jobFilter = Number(search.get("job_id")) || undefined;
  const schedules = useSchedules(jobFilter ? { job_id: jobFilter } : {});
  const jobs = useJobChoices();
  const canSchedule = useCan("operator");
  const [editing, setEditing] = React.useState<Editing>(() =>
    search.get("new") && canSchedule ? { mode: "create", jobId: jobFilter } : null,
  );
  const jobName = (jobId: number) => jobs.data?.items.find((job) => job.id === jobId)?.name ?? `Job #${jobId}`;

  const closeForm = () => {
    setEditing(null);
    if (search.has("new")) {
      setSearch(
        (current) => {
          const next = new URLSearchParams(current);
          next.delete("new");
          return next;
        },
        { replace: true },
      );
    }
  };

  const noJobs = jobs.data?.items.length === 0;

  return (
    <>
      <PageHeader
        title="Schedules"
        description={
          jobFilter ? (
            <>
              Schedules of {jobName(jobFilter)} ·{" "}
              <Link to="/schedules" className="text-primary underline-offset-4 hover:underline">
                show all
              </Link>
            </>
          ) : (
            "Run jobs on a cron schedule. Each schedule is its own Airflow DAG."
          )
        }
        actions={
          <RoleGate role="operator">
            <Button onClick={() => setEditing({ mode: "create", jobId: jobFilter })} disabled={noJobs}>
              <PlusIcon />
              New schedule
            </Button>
          </RoleGate>
        }
      />
      <PagedList
        query={schedules}
        errorTitle="Could not load the schedules"
        empty={
          <EmptyState
            icon={<CalendarClockIcon />}
            title="No schedules yet"
            description={
              noJobs ? "Create a job first; then schedule it here." : "Jobs run only when executed by hand until they have a schedule."
            }
            action={
              <RoleGate role="operator">
                {noJobs ? (
                  <Button asChild>
                    <Link to="/upload">Upload a CSV</Link>
                  </Button>
                ) : (
                  <Button onClick={() => setEditing({ mode: "create", jobId: jobFilter })}>New schedule</Button>
                )}
              </RoleGate>
            }
          />
        }
      >
        {(items) => (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead className="pl-4">Job</TableHead>
                <TableHead>Schedule</TableHead>
                <TableHead className="hidden md:table-cell">Next run</TableHead>
                <TableHead className="hidden lg:table-cell">Last run</TableHead>
                <TableHead>Enabled</TableHead>
                <TableHead className="pr-4 text-right">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((schedule) => {
                const name = jobName(schedule.job_id);
                return (
                  <TableRow key={schedule.id}>
                    <TableCell className="max-w-48 truncate pl-4">
                      <Link to={`/jobs/${schedule.job_id}`} className="font-medium text-primary underline-offset-4 hover:underline">
                        {name}
                      </Link>
                    </TableCell>
                    <TableCell>
                      <div className="font-medium">{schedule.description}</div>
                      <div className="text-xs text-muted-foreground">
                        <code>{schedule.cron_expression}</code> · {schedule.timezone}
                      </div>
                    </TableCell>
                    <TableCell className="hidden whitespace-nowrap md:table-cell">
                      <NextRuns schedule={schedule} />
                    </TableCell>
                    <TableCell className="hidden lg:table-cell">
                      {schedule.last_run ? (
                        <div className="flex flex-col items-start gap-1">
                          <Link to={`/runs/${schedule.last_run.id}`} className="text-xs text-primary hover:underline">
                            #{schedule.last_run.id} · {formatDateTime(schedule.last_run.created_at)}
                          </Link>
                          <RunStatusBadge status={schedule.last_run.status} />
                        </div>
                      ) : (
                        <span className="text-muted-foreground">Never</span>
                      )}
                    </TableCell>
                    <TableCell>
                      <RoleGate role="operator" mode="disable">
                        <EnabledSwitch schedule={schedule} jobName={name} />
                      </RoleGate>
                    </TableCell>
                    <TableCell className="pr-4">
                      <RoleGate role="operator">
                        <div className="flex justify-end gap-1">
                          <Button
                            variant="ghost"
                            size="sm"
                            aria-label={`Edit schedule of ${name}: ${schedule.description}`}
                            onClick={() => setEditing({ mode: "edit", schedule })}
                          >
                            <PencilIcon />
                            <span className="hidden lg:inline">Edit</span>
                          </Button>
                          <DeleteScheduleButton schedule={schedule} jobName={name} />
                        </div>
                      </RoleGate>
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </PagedList>
      {editing && (
        <ScheduleFormDialog
          key={editing.mode === "edit" ? editing.schedule.id : "new"}
          open
          onOpenChange={(open) => !open && closeForm()}
          jobs={jobs.data?.items ?? []}
          schedule={editing.mode === "edit" ? editing.schedule : undefined}
          initialJobId={editing.mode === "create" ? editing.jobId : undefined}
        />
      )}
    </>
  );
}
