import { PlayIcon } from "lucide-react";
import * as React from "react";
import { Link, useNavigate } from "react-router";
import { toast } from "sonner";

import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button, type ButtonProps } from "@/components/ui/button";
import { getJobRecentRuns } from "@/features/jobs/api/get-job-recent-runs";
import { STRATEGY_LABEL } from "@/features/jobs/utils/strategy";
import { toApiError, type ApiError } from "@/lib/api-client";
import { useExecuteJob } from "@/lib/requests/execute-job";
import { OVERLAP_EFFECT } from "@/lib/run-overlap";
import { ACTIVE_RUN_STATUSES, type JobRead } from "@/types/api";

type ActiveRun = { id: number; status: string };

/** The run a 409 JobAlreadyRunning names (the job allows one active run at a time). */
function activeRunOf(error: ApiError): ActiveRun | null {
  if (error.status !== 409 || error.code !== "JobAlreadyRunning") return null;
  const details = error.details as { active_run_id?: unknown; active_run_status?: unknown } | null;
  if (typeof details?.active_run_id !== "number") return null;
  return { id: details.active_run_id, status: String(details.active_run_status ?? "RUNNING") };
}

/**
 * Runs the job now and opens the run's live progress. A job that is already running is not started
 * twice silently: by default the API refuses (one active run per job) and a dialog shows the run in
 * progress with a link to it; a job that allows overlapping runs asks first, saying what another run
 * does with its strategy.
 */
export function ExecuteJobButton({
  job,
  label = "Execute",
  ...props
}: { job: JobRead; label?: string } & Omit<ButtonProps, "onClick">) {
  const navigate = useNavigate();
  const execute = useExecuteJob();
  const [checking, setChecking] = React.useState(false);
  const [busy, setBusy] = React.useState<ActiveRun | null>(null);
  const [overlap, setOverlap] = React.useState<ActiveRun | null>(null);

  const start = () =>
    execute.mutate(job.id, {
      onSuccess: (run) => void navigate(`/runs/${run.id}`),
      onError: (error) => {
        const apiError = toApiError(error);
        const active = activeRunOf(apiError);
        if (active) setBusy(active);
        else toast.error(`Could not start ${job.name}`, { description: apiError.message });
      },
    });

  const onClick = async () => {
    if (!job.allow_concurrent_runs) {
      start();
      return;
    }
    setChecking(true);
    try {
      const going = (await getJobRecentRuns(job.id)).items.find((run) => ACTIVE_RUN_STATUSES.includes(run.status));
      if (going) setOverlap({ id: going.id, status: going.status });
      else start();
    } catch (error) {
      toast.error(`Could not start ${job.name}`, { description: toApiError(error).message });
    } finally {
      setChecking(false);
    }
  };

  const pending = execute.isPending || checking;
  return (
    <>
      <Button
        aria-label={label === "Execute" ? `Execute ${job.name}` : undefined}
        disabled={pending}
        onClick={() => void onClick()}
        {...props}
      >
        <PlayIcon />
        {pending ? "Starting…" : label}
      </Button>

      <AlertDialog open={busy !== null} onOpenChange={(open) => !open && setBusy(null)}>
        <AlertDialogContent data-testid="job-already-running-dialog">
          <AlertDialogHeader>
            <AlertDialogTitle>{job.name} is already running</AlertDialogTitle>
            <AlertDialogDescription>
              Run #{busy?.id} is {busy?.status.toLowerCase()}. This job runs one at a time, so no new run was started.
              Follow that run, or execute the job again once it has finished.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Close</AlertDialogCancel>
            <AlertDialogAction asChild>
              <Link to={`/runs/${busy?.id}`}>Open run #{busy?.id}</Link>
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>

      <AlertDialog open={overlap !== null} onOpenChange={(open) => !open && setOverlap(null)}>
        <AlertDialogContent data-testid="start-overlapping-run-dialog">
          <AlertDialogHeader>
            <AlertDialogTitle>Start another run of {job.name}?</AlertDialogTitle>
            <AlertDialogDescription>
              Run #{overlap?.id} is still {overlap?.status.toLowerCase()}. The job allows overlapping runs; with{" "}
              {STRATEGY_LABEL[job.strategy]}, {OVERLAP_EFFECT[job.strategy]}.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Don't start</AlertDialogCancel>
            <AlertDialogAction onClick={start}>Start another run</AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </>
  );
}
