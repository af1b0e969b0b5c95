import { Trash2Icon } from "lucide-react";
import { Link } from "react-router";
import { toast } from "sonner";

import { RoleGate } from "@/components/role-gate";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Progress } from "@/components/ui/progress";
import { RunStatusBadge } from "@/components/ui/run-status-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useDeleteJobRun } from "@/features/job-runs/api/delete-job-run";
import { CancelRunButton } from "@/features/job-runs/components/cancel-run-button";
import { RunLogsDialog } from "@/features/job-runs/components/run-logs-dialog";
import { isActive } from "@/features/job-runs/utils/run-figures";
import { toApiError } from "@/lib/api-client";
import { formatDateTime, formatDuration, formatNumber } from "@/lib/format";
import type { JobRunRead } from "@/types/api";

function RunActions({ run }: { run: JobRunRead }) {
  const remove = useDeleteJobRun();
  const active = isActive(run.status);
  return (
    <div className="flex justify-end sm:gap-1">
      <RunLogsDialog run={run} />
      <RoleGate role="operator">
        {active ? (
          <CancelRunButton run={run} variant="ghost" size="sm" aria-label={`Cancel run #${run.id}`}>
            <span className="hidden lg:inline">Cancel</span>
          </CancelRunButton>
        ) : (
          <ConfirmDialog
            title={`Delete run #${run.id}?`}
            description="Its counters, logs and rejected rows are removed from the history. Data already loaded stays in the destination."
            onConfirm={() =>
              remove.mutate(run.id, {
                onSuccess: () => toast.success(`Run #${run.id} deleted`),
                onError: (error) => toast.error("Could not delete the run", { description: toApiError(error).message }),
              })
            }
            trigger={
              <Button variant="ghost" size="sm" aria-label={`Delete run #${run.id}`} disabled={remove.isPending}>
                <Trash2Icon />
                <span className="hidden lg:inline">Delete</span>
              </Button>
            }
          />
        )}
      </RoleGate>
    </div>
  );
}

/** Runs newest first: status, when, how long, how many rows; logs, cancel and delete per row. */
export function RunsTable({ runs }: { runs: JobRunRead[] }) {
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Run</TableHead>
          <TableHead className="hidden sm:table-cell">Job</TableHead>
          <TableHead>Status</TableHead>
          <TableHead className="hidden md:table-cell">Started</TableHead>
          <TableHead className="hidden sm:table-cell">Duration</TableHead>
          <TableHead className="hidden text-right sm:table-cell">Loaded</TableHead>
          <TableHead className="hidden text-right md:table-cell">Rejected</TableHead>
          <TableHead className="text-right">
            <span className="sr-only">Actions</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {runs.map((run) => (
          <TableRow key={run.id}>
            <TableCell>
              <Link to={`/runs/${run.id}`} className="font-medium text-primary underline-offset-4 hover:underline">
                #{run.id}
              </Link>
              {run.trigger === "schedule" && <span className="ml-1 text-xs text-muted-foreground">scheduled</span>}
              {/* Narrow screens drop the job and count columns; keep the essentials under the id. */}
              <div className="max-w-28 truncate text-xs text-muted-foreground sm:hidden">
                {run.job_name} · {formatNumber(run.rows_loaded)} rows
              </div>
            </TableCell>
            <TableCell className="hidden max-w-48 truncate sm:table-cell">
              <Link to={`/jobs/${run.job_id}`} className="underline-offset-4 hover:underline">
                {run.job_name}
              </Link>
            </TableCell>
            <TableCell>
              <div className="flex flex-col gap-1">
                <RunStatusBadge status={run.status} />
                {run.status === "RUNNING" && (
                  <Progress value={run.progress_percent} className="h-1 w-24" aria-label={`Run #${run.id} progress`} />
                )}
              </div>
            </TableCell>
            <TableCell className="hidden whitespace-nowrap md:table-cell">
              {formatDateTime(run.started_at ?? run.created_at)}
            </TableCell>
            <TableCell className="hidden tabular-nums sm:table-cell">{formatDuration(run.duration_seconds)}</TableCell>
            <TableCell className="hidden text-right tabular-nums sm:table-cell">{formatNumber(run.rows_loaded)}</TableCell>
            <TableCell className="hidden text-right tabular-nums md:table-cell">{formatNumber(run.rows_rejected)}</TableCell>
            <TableCell>
              <RunActions run={run} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
